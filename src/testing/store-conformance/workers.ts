import { expect } from 'vitest';
import type { DependencyStatus, HandlerIgnoringAbort, Store, TaskShape, WorkerRecord } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { at } from './helpers.js';

function workerRecord(id: string, overrides: Partial<WorkerRecord> = {}): WorkerRecord {
  return {
    id,
    host: 'host-1.internal',
    pid: 4242,
    queues: ['default', 'reports'],
    tasks: ['reports.export', 'emails.send'],
    concurrency: 8,
    startedAt: at(0),
    lastHeartbeatAt: at(0),
    handlersIgnoringAbort: [],
    dependencies: [],
    taskShapes: [],
    ...overrides,
  };
}

async function listedWorkers(store: Store): Promise<WorkerRecord[]> {
  return [...(await store.workers.list())].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

export const workerTests: SuiteSection = (suite) => {
  suite.group('workers', { migrate: true }, (group) => {
    group.test('a registered worker is listed as it was recorded', async ({ store, harness }) => {
      const first = workerRecord('worker-1');
      const second = workerRecord('worker-2', { host: 'host-2', pid: 7, queues: [], tasks: ['only.one'], concurrency: 1 });
      await store.workers.register({ worker: first });
      await store.workers.register({ worker: second });
      expect(await listedWorkers(store)).toEqual([first, second]);
      expect(await listedWorkers(await harness.openAnother()), 'as another store sees them').toEqual([first, second]);
    });

    group.test('registering a worker again replaces its record', async ({ store }) => {
      await store.workers.register({ worker: workerRecord('worker-1') });
      const restarted = workerRecord('worker-1', { pid: 99, queues: ['urgent'], concurrency: 2, startedAt: at(50), lastHeartbeatAt: at(50) });
      await store.workers.register({ worker: restarted });
      expect(await listedWorkers(store)).toEqual([restarted]);
    });

    group.test('a heartbeat updates lastHeartbeatAt', async ({ store }) => {
      const beating = workerRecord('worker-1');
      const other = workerRecord('worker-2');
      await store.workers.register({ worker: beating });
      await store.workers.register({ worker: other });
      expect(await store.workers.heartbeat({ id: 'worker-1', now: at(30), handlersIgnoringAbort: [], dependencies: [] })).toBe(true);
      expect(await listedWorkers(store)).toEqual([{ ...beating, lastHeartbeatAt: at(30) }, other]);
    });

    group.test('a heartbeat records the handlers ignoring their abort, and the next one replaces them', async ({ store, harness }) => {
      const handler: HandlerIgnoringAbort = { jobId: '42', attempt: 2, task: 'reports.export', reason: 'timeout', abortedAt: at(20) };
      await store.workers.register({ worker: workerRecord('worker-1', { handlersIgnoringAbort: [{ ...handler, jobId: '7', reason: 'cancel' }] }) });
      expect((await listedWorkers(store))[0]?.handlersIgnoringAbort).toEqual([{ ...handler, jobId: '7', reason: 'cancel' }]);
      expect(await store.workers.heartbeat({ id: 'worker-1', now: at(30), handlersIgnoringAbort: [handler], dependencies: [] })).toBe(true);
      expect(await listedWorkers(await harness.openAnother())).toEqual([workerRecord('worker-1', { lastHeartbeatAt: at(30), handlersIgnoringAbort: [handler] })]);
      expect(await store.workers.heartbeat({ id: 'worker-1', now: at(31), handlersIgnoringAbort: [], dependencies: [] })).toBe(true);
      expect((await listedWorkers(store))[0]?.handlersIgnoringAbort).toEqual([]);
    });

    group.test('a heartbeat records what the worker found of its dependencies, and the next one replaces it', async ({ store, harness }) => {
      const down: DependencyStatus = { name: 'virus-scanner', target: 'tcp://clamd:3310', up: false, since: at(10), checkedAt: at(29), lastError: 'connect ECONNREFUSED 10.0.0.7:3310', tasks: ['uploads.scan'] };
      await store.workers.register({ worker: workerRecord('worker-1', { dependencies: [{ ...down, up: true, lastError: null }] }) });
      expect((await listedWorkers(store))[0]?.dependencies).toEqual([{ ...down, up: true, lastError: null }]);
      expect(await store.workers.heartbeat({ id: 'worker-1', now: at(30), handlersIgnoringAbort: [], dependencies: [down] })).toBe(true);
      expect(await listedWorkers(await harness.openAnother())).toEqual([workerRecord('worker-1', { lastHeartbeatAt: at(30), dependencies: [down] })]);
      const huge = { ...down, lastError: 'x'.repeat(200_000) };
      expect(await store.workers.heartbeat({ id: 'worker-1', now: at(31), handlersIgnoringAbort: [], dependencies: [huge] })).toBe(true);
      expect((await listedWorkers(store))[0]?.dependencies[0]?.lastError?.length).toBeLessThan(70_000);
    });

    group.test("a worker's task shapes (queue and input fingerprint) are kept as registered, and a heartbeat leaves them", async ({ store, harness }) => {
      const taskShapes: TaskShape[] = [
        { name: 'reports.export', queue: 'reports', input: { fingerprint: '0123456789ab', fields: ['from!', 'groupBy', 'odd "name"\u0000'] } },
        { name: 'emails.send', queue: 'default', input: null },
      ];
      await store.workers.register({ worker: workerRecord('worker-1', { taskShapes }) });
      expect(await store.workers.heartbeat({ id: 'worker-1', now: at(30), handlersIgnoringAbort: [], dependencies: [] })).toBe(true);
      const [listed] = await listedWorkers(await harness.openAnother());
      expect(listed?.taskShapes[1]).toEqual(taskShapes[1]);
      expect(listed?.taskShapes[0]?.input?.fields.slice(0, 2)).toEqual(['from!', 'groupBy']);
      expect(listed?.taskShapes[0]?.input?.fields[2], 'a NUL in a field name is made storable').toMatch(/^odd "name"/);
    });

    group.test('a heartbeat of an unknown worker returns false and records nothing', async ({ store }) => {
      expect(await store.workers.heartbeat({ id: 'worker-gone', now: at(30), handlersIgnoringAbort: [], dependencies: [] })).toBe(false);
      expect(await store.workers.list()).toEqual([]);
    });

    group.test('deregistering removes only that worker', async ({ store }) => {
      await store.workers.register({ worker: workerRecord('worker-1') });
      await store.workers.register({ worker: workerRecord('worker-2') });
      await store.workers.deregister({ id: 'worker-1' });
      await store.workers.deregister({ id: 'worker-unknown' });
      expect((await listedWorkers(store)).map((w) => w.id)).toEqual(['worker-2']);
      expect(await store.workers.heartbeat({ id: 'worker-1', now: at(30), handlersIgnoringAbort: [], dependencies: [] })).toBe(false);
    });

    group.test('prune deletes workers whose heartbeat stopped before the cut-off', async ({ store }) => {
      await store.workers.register({ worker: workerRecord('worker-1', { lastHeartbeatAt: at(10) }) });
      await store.workers.register({ worker: workerRecord('worker-2', { lastHeartbeatAt: at(30) }) });
      const alive = workerRecord('worker-3', { lastHeartbeatAt: at(50) });
      await store.workers.register({ worker: alive });
      expect(await store.workers.prune({ heartbeatBefore: at(40) })).toBe(2);
      expect(await listedWorkers(store)).toEqual([alive]);
      expect(await store.workers.heartbeat({ id: 'worker-1', now: at(60), handlersIgnoringAbort: [], dependencies: [] })).toBe(false);
      expect(await store.workers.prune({ heartbeatBefore: at(40) })).toBe(0);
    });
  });
};
