/** Cron schedules in the store: upsert keeps the next tick, pause/resume/remove, the due list, and firing as compare-and-set. */
import { expect } from 'vitest';
import type { ScheduleFireParams, ScheduleUpsert, Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { at, jobInsert } from './helpers.js';

function scheduleUpsert(overrides: Partial<ScheduleUpsert> = {}): ScheduleUpsert {
  return {
    name: 'reports.nightly',
    task: 'conformance.task',
    queue: 'default',
    cron: '0 3 * * *',
    timeZone: 'Europe/Berlin',
    input: { format: 'csv', nested: { n: 1 } },
    missed: 'skip',
    nextRunAt: at(60),
    ...overrides,
  };
}

/** Fire the tick at(60) of 'reports.nightly', moving on to at(120). */
function fireParams(overrides: Partial<ScheduleFireParams> = {}): ScheduleFireParams {
  return {
    name: 'reports.nightly',
    expectedNextRunAt: at(60),
    tick: at(60),
    nextRunAt: at(120),
    job: jobInsert({ runAt: at(61), dedupKey: 'schedule:reports.nightly:tick-60' }),
    now: at(61),
    ...overrides,
  };
}

async function scheduleNamed(store: Store, name: string) {
  const schedule = (await store.schedules.list()).find((s) => s.name === name);
  if (schedule === undefined) throw new Error(`schedules.list has no schedule "${name}"`);
  return schedule;
}

export const scheduleTests: SuiteSection = (suite) => {
  suite.group('schedules', { migrate: true }, (group) => {
    group.test('an upserted schedule is listed as it was stored, by name', async ({ store, harness }) => {
      const created = await store.schedules.upsert({ schedule: scheduleUpsert(), now: at(1) });
      await store.schedules.upsert({ schedule: scheduleUpsert({ name: 'a.first', cron: '* * * * * *', timeZone: 'UTC', missed: 'run-once' }), now: at(2) });
      expect(created).toEqual({
        name: 'reports.nightly',
        task: 'conformance.task',
        queue: 'default',
        cron: '0 3 * * *',
        timeZone: 'Europe/Berlin',
        input: { format: 'csv', nested: { n: 1 } },
        missed: 'skip',
        pausedAt: null,
        nextRunAt: at(60),
        lastRunAt: null,
        lastError: null,
        createdAt: at(1),
        updatedAt: at(1),
      });
      const listed = await (await harness.openAnother()).schedules.list();
      expect(listed.map((s) => s.name)).toEqual(['a.first', 'reports.nightly']);
      expect(listed[1]).toEqual(created);
      expect(listed[0]).toMatchObject({ cron: '* * * * * *', timeZone: 'UTC', missed: 'run-once' });
    });

    group.test('upserting the same cron and time zone keeps the next tick; a changed cron replaces it', async ({ store }) => {
      await store.schedules.upsert({ schedule: scheduleUpsert(), now: at(1) });
      const same = await store.schedules.upsert({ schedule: scheduleUpsert({ input: { format: 'json' }, nextRunAt: at(500) }), now: at(2) });
      expect(same).toMatchObject({ nextRunAt: at(60), input: { format: 'json' }, createdAt: at(1), updatedAt: at(2) });
      const otherZone = await store.schedules.upsert({ schedule: scheduleUpsert({ timeZone: 'UTC', nextRunAt: at(700) }), now: at(3) });
      expect(otherZone.nextRunAt).toEqual(at(700));
      const otherCron = await store.schedules.upsert({ schedule: scheduleUpsert({ timeZone: 'UTC', cron: '0 4 * * *', nextRunAt: at(900) }), now: at(4) });
      expect(otherCron).toMatchObject({ cron: '0 4 * * *', nextRunAt: at(900), createdAt: at(1) });
    });

    group.test('pause keeps its first pausedAt and survives an upsert; resume sets the next tick; remove deletes', async ({ store }) => {
      await store.schedules.upsert({ schedule: scheduleUpsert(), now: at(1) });
      expect(await store.schedules.pause({ name: 'reports.nightly', now: at(5) })).toMatchObject({ pausedAt: at(5) });
      expect(await store.schedules.pause({ name: 'reports.nightly', now: at(6) })).toMatchObject({ pausedAt: at(5) });
      await store.schedules.upsert({ schedule: scheduleUpsert(), now: at(7) });
      expect((await scheduleNamed(store, 'reports.nightly')).pausedAt).toEqual(at(5));
      expect(await store.schedules.resume({ name: 'reports.nightly', nextRunAt: at(300), now: at(8) })).toMatchObject({ pausedAt: null, nextRunAt: at(300) });
      expect(await store.schedules.pause({ name: 'missing', now: at(8) })).toBeNull();
      expect(await store.schedules.resume({ name: 'missing', nextRunAt: at(300), now: at(8) })).toBeNull();
      expect(await store.schedules.remove({ name: 'reports.nightly' })).toBe(true);
      expect(await store.schedules.remove({ name: 'reports.nightly' })).toBe(false);
      expect(await store.schedules.list()).toEqual([]);
    });

    group.test('the due list holds unpaused schedules whose tick has come, earliest first, bounded by limit', async ({ store }) => {
      await store.schedules.upsert({ schedule: scheduleUpsert({ name: 'due.late', nextRunAt: at(30) }), now: at(0) });
      await store.schedules.upsert({ schedule: scheduleUpsert({ name: 'due.early', nextRunAt: at(10) }), now: at(0) });
      await store.schedules.upsert({ schedule: scheduleUpsert({ name: 'due.exactly-now', nextRunAt: at(40) }), now: at(0) });
      await store.schedules.upsert({ schedule: scheduleUpsert({ name: 'not.yet', nextRunAt: at(41) }), now: at(0) });
      await store.schedules.upsert({ schedule: scheduleUpsert({ name: 'due.paused', nextRunAt: at(5) }), now: at(0) });
      await store.schedules.pause({ name: 'due.paused', now: at(1) });
      expect((await store.schedules.dueList({ now: at(40), limit: 10 })).map((s) => s.name)).toEqual(['due.early', 'due.late', 'due.exactly-now']);
      expect((await store.schedules.dueList({ now: at(40), limit: 2 })).map((s) => s.name)).toEqual(['due.early', 'due.late']);
    });

    group.test('firing moves the schedule to its next tick and inserts the job; firing the same tick again does nothing', async ({ store }) => {
      await store.schedules.upsert({ schedule: scheduleUpsert(), now: at(0) });
      const first = await store.schedules.fire(fireParams());
      expect(first.fired).toBe(true);
      expect(first.job).toMatchObject({ task: 'conformance.task', state: 'queued', dedupKey: 'schedule:reports.nightly:tick-60' });
      expect(await scheduleNamed(store, 'reports.nightly')).toMatchObject({ nextRunAt: at(120), lastRunAt: at(60), updatedAt: at(61) });
      expect(await store.schedules.fire(fireParams({ job: jobInsert({ runAt: at(61) }) }))).toEqual({ fired: false, job: null });
      expect((await store.jobs.list({ filter: {}, cursor: null, limit: 10 })).jobs).toHaveLength(1);
    });

    group.test('firing without a job moves past skipped ticks; a paused or removed schedule does not fire', async ({ store }) => {
      await store.schedules.upsert({ schedule: scheduleUpsert(), now: at(0) });
      expect(await store.schedules.fire(fireParams({ job: null }))).toEqual({ fired: true, job: null });
      expect(await scheduleNamed(store, 'reports.nightly')).toMatchObject({ nextRunAt: at(120), lastRunAt: at(60) });
      await store.schedules.pause({ name: 'reports.nightly', now: at(62) });
      expect(await store.schedules.fire(fireParams({ expectedNextRunAt: at(120), tick: at(120), nextRunAt: at(180), now: at(121) }))).toEqual({ fired: false, job: null });
      expect(await store.schedules.fire(fireParams({ name: 'missing' }))).toEqual({ fired: false, job: null });
      expect((await store.jobs.list({ filter: {}, cursor: null, limit: 10 })).jobs).toEqual([]);
    });

    group.test("errorRecord sets a schedule's lastError, cut to a job error's size, without touching its definition; firing clears it", async ({ store }) => {
      const created = await store.schedules.upsert({ schedule: scheduleUpsert(), now: at(0) });
      expect(await store.schedules.errorRecord({ name: 'reports.nightly', message: "the task's code threw building the job: no tenant", now: at(30) })).toBe(true);
      expect(await scheduleNamed(store, 'reports.nightly')).toEqual({ ...created, lastError: { message: "the task's code threw building the job: no tenant", at: at(30) } });
      const huge = 'x'.repeat(200_000);
      await store.schedules.errorRecord({ name: 'reports.nightly', message: huge, now: at(31) });
      const cut = (await scheduleNamed(store, 'reports.nightly')).lastError;
      expect(cut?.message.length).toBeLessThan(70_000);
      expect(cut?.message.startsWith('xxxx')).toBe(true);
      expect(await store.schedules.errorRecord({ name: 'missing', message: 'nope', now: at(32) })).toBe(false);
      expect((await store.schedules.fire(fireParams())).fired).toBe(true);
      expect(await scheduleNamed(store, 'reports.nightly')).toMatchObject({ lastRunAt: at(60), lastError: null });
    });

    group.test('two stores firing the same tick at once insert exactly one job', async ({ store, harness }) => {
      const stores = [store, await harness.openAnother(), await harness.openAnother()];
      await store.schedules.upsert({ schedule: scheduleUpsert(), now: at(0) });
      for (let round = 0; round < 10; round++) {
        const tick = at(60 * (round + 1));
        const params = fireParams({ expectedNextRunAt: tick, tick, nextRunAt: at(60 * (round + 2)), now: tick, job: jobInsert({ runAt: tick }) });
        const results = await Promise.all(stores.map((s) => s.schedules.fire(params)));
        expect(results.filter((r) => r.fired), `round ${round}`).toHaveLength(1);
        expect(results.filter((r) => r.job !== null), `round ${round}`).toHaveLength(1);
      }
      expect((await store.jobs.list({ filter: {}, cursor: null, limit: 100 })).jobs).toHaveLength(10);
    });
  });
};
