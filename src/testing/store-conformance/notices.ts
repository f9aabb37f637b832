/**
 * Notices between processes (`noticeListen`): every store on a file or server tells listeners on
 * other connections when a running job's cancel is requested; a store with `crossProcessWakeUp` also
 * tells them when jobs become runnable, and a store without it only that another process committed
 * (workers claim then, and poll as the fallback).
 */
import { expect } from 'vitest';
import type { Store, StoreNotice } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { claimJob, insertJob, at } from './helpers.js';

const NOTICE_WAIT_MS = 5_000;

/** Collects the notices a store delivers; `next` waits for one matching `predicate`. */
export function collect(store: Store): { notices: StoreNotice[]; next(predicate: (notice: StoreNotice) => boolean): Promise<StoreNotice>; stop(): void } {
  const notices: StoreNotice[] = [];
  const waiters: Array<{ predicate: (notice: StoreNotice) => boolean; resolve: (notice: StoreNotice) => void }> = [];
  const stop = store.noticeListen((notice) => {
    notices.push(notice);
    for (const waiter of waiters.splice(0)) {
      if (waiter.predicate(notice)) waiter.resolve(notice);
      else waiters.push(waiter);
    }
  });
  return {
    notices,
    stop,
    next: (predicate) =>
      new Promise((resolve, reject) => {
        const seen = notices.find(predicate);
        if (seen !== undefined) return resolve(seen);
        const timer = setTimeout(() => reject(new Error(`No matching notice within ${NOTICE_WAIT_MS} ms; got ${JSON.stringify(notices)}`)), NOTICE_WAIT_MS);
        waiters.push({ predicate, resolve: (notice) => (clearTimeout(timer), resolve(notice)) });
      }),
  };
}

/** Give notices in flight time to arrive, so a test of "no notice" is not passed by being quick. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

/**
 * Wait until the listener hears notices: listening starts in the background, and a notice sent
 * before it is in place is lost (workers poll as well), so probe until one arrives.
 */
export async function listening(store: Store, listener: ReturnType<typeof collect>): Promise<void> {
  if (!store.capabilities.crossProcessWakeUp) return;
  const heard = () => listener.notices.some((notice) => notice.kind === 'jobs-available' && notice.queues.includes('probe'));
  for (let probe = 0; !heard(); probe++) {
    if (probe === 50) throw new Error(`The listener heard none of ${probe} probe notices`);
    await insertJob(store, { task: `conformance.probe${probe}`, queue: 'probe' });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const noticeTests: SuiteSection = (suite) => {
  suite.group('noticeListen', { migrate: true }, (group) => {
    group.test('another store hears that jobs were queued, per queue; scheduled jobs wake no one', async ({ store, harness }) => {
      const other = await harness.openAnother();
      const heard = collect(other);
      await listening(store, heard);
      await insertJob(store, { queue: 'later', runAt: at(3600) });
      await insertJob(store, { queue: 'mail' });
      if (!store.capabilities.crossProcessWakeUp) {
        await settle();
        expect(heard.notices.filter((notice) => notice.kind !== 'store-changed'), 'no facts, at most that the store changed').toEqual([]);
        return;
      }
      await heard.next((notice) => notice.kind === 'jobs-available' && notice.queues.includes('mail'));
      await settle();
      expect(heard.notices.filter((notice) => notice.kind === 'jobs-available' && notice.queues.includes('later'))).toEqual([]);
      heard.stop();
    });

    group.test("another store hears a running job's cancel request, once, however many commits follow", async ({ store, harness }) => {
      const other = await harness.openAnother();
      const heard = collect(other);
      await listening(store, heard);
      const running = await claimJob(store, await insertJob(store));
      await store.jobs.cancel({ id: running.id, now: at(5) });
      expect(await heard.next((notice) => notice.kind === 'cancel-requested')).toEqual({ kind: 'cancel-requested', jobId: running.id });
      // Later commits (SQLite reads the cancel requests again after each) tell it no more.
      await insertJob(store, { queue: 'mail' });
      await store.jobs.leaseExtend({ workerId: running.workerId!, leaseExpiresAt: at(120) });
      await settle();
      expect(heard.notices.filter((notice) => notice.kind === 'cancel-requested')).toEqual([{ kind: 'cancel-requested', jobId: running.id }]);
      heard.stop();
    });

    group.test('a store without notices of facts tells another process that it committed, and not itself', async ({ store, harness }) => {
      if (store.capabilities.crossProcessWakeUp) return;
      const other = await harness.openAnother();
      const heardByOther = collect(other);
      const heardBySelf = collect(store);
      await insertJob(store, { queue: 'mail' });
      expect(await heardByOther.next((notice) => notice.kind === 'store-changed')).toEqual({ kind: 'store-changed' });
      await settle();
      expect(heardBySelf.notices, 'its own commit').toEqual([]);
      heardByOther.stop();
      heardBySelf.stop();
    });

    group.test('a listener that stopped hears nothing more', async ({ store, harness }) => {
      const other = await harness.openAnother();
      const heard = collect(other);
      await listening(store, heard);
      heard.stop();
      const before = heard.notices.length;
      await insertJob(store, { queue: 'mail' });
      await settle();
      expect(heard.notices).toHaveLength(before);
    });
  });
};
