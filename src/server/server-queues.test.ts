/** The queue, worker and orphan routes over real HTTP against real stores (SQLite, PostgreSQL), with real workers. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../task.js';
import { FAST_WORKER } from '../testing/worker-conformance/helpers.js';
import type { Worker } from '../worker/worker.js';
import { DEPTH_STATES } from '../insights/queue-overview.js';
import type { QueueDto } from './queue-dto.js';
import { describeEachStore, errorJson, exportReport, sendEmail, startTestServer, type TestServer } from './test-server.js';
import type { OrphanReportDto, WorkerDto } from './worker-dto.js';

/** Throws when asked to: with one attempt, that job ends dead. */
const throughputStep = defineTask({
  name: 'throughput.step',
  queue: 'throughput',
  input: z.object({ n: z.number(), fail: z.boolean() }),
  run: (input) => {
    if (input.fail) throw new Error('step failed on purpose');
    return { n: input.n };
  },
});

let server: TestServer;

async function getJson<T>(path: string): Promise<T> {
  const response = await server.request('GET', path);
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

async function queues(): Promise<Record<string, QueueDto>> {
  const { queues: list } = await getJson<{ queues: QueueDto[] }>('/queues');
  return Object.fromEntries(list.map((queue) => [queue.name, queue]));
}

function depth(counts: Partial<Record<(typeof DEPTH_STATES)[number], number>>): Record<string, number> {
  return Object.fromEntries(DEPTH_STATES.map((state) => [state, counts[state] ?? 0]));
}

function isoDate(value: string | null): boolean {
  return value !== null && new Date(value).toISOString() === value;
}

async function startWorker(tasks: Parameters<TestServer['conveyor']['createWorker']>[0]['tasks']): Promise<Worker> {
  const worker = server.conveyor.createWorker({ ...FAST_WORKER, tasks });
  await worker.start();
  return worker;
}

describeEachStore('queue, worker and orphan routes', (store) => {
  beforeEach(async () => {
    server = await startTestServer({ store });
  });
  afterEach(async () => {
    await server.close();
  });

  describe('GET /queues', () => {
    it('is empty before any job or queue state exists', async () => {
      expect(await getJson('/queues')).toEqual({ queues: [] });
    });

    it('counts jobs by state in each queue, every state present and zero-filled', async () => {
      await server.conveyor.enqueue(sendEmail, { to: 'a@example.com', subject: 'one' });
      await server.conveyor.enqueue(sendEmail, { to: 'b@example.com', subject: 'two' });
      await server.conveyor.enqueue(sendEmail, { to: 'c@example.com', subject: 'later' }, { delayMs: 3_600_000 });
      await server.conveyor.enqueue(exportReport, { range: { start: '2024-01-01', end: '2024-01-31' } });
      const byName = await queues();
      expect(Object.keys(byName)).toEqual(['default', 'mail']);
      expect(byName.mail).toEqual({
        name: 'mail',
        depth: depth({ queued: 2, scheduled: 1 }),
        finishedLastMinute: { succeeded: 0, dead: 0, cancelled: 0 },
        running: 0,
        paused: false,
        pausedAt: null,
        limits: { concurrency: null, perKey: null, rate: null },
      });
      expect(byName.default?.depth).toEqual(depth({ queued: 1 }));
    });

    it('counts the jobs of each queue that finished in the last minute, by final state', async () => {
      const worker = await startWorker([throughputStep]);
      const runs = await Promise.all([
        server.conveyor.enqueue(throughputStep, { n: 1, fail: false }),
        server.conveyor.enqueue(throughputStep, { n: 2, fail: false }),
        server.conveyor.enqueue(throughputStep, { n: 3, fail: true }, { maxAttempts: 1 }),
      ]);
      const finished = await Promise.all(runs.map(({ job }) => server.conveyor.waitFor(job.id, { timeoutMs: 5_000 })));
      expect(finished.map((job) => job.state)).toEqual(['succeeded', 'succeeded', 'dead']);
      await worker.stop();
      await server.conveyor.enqueue(sendEmail, { to: 'a@example.com', subject: 'waiting' });
      const byName = await queues();
      expect(byName.throughput?.finishedLastMinute).toEqual({ succeeded: 2, dead: 1, cancelled: 0 });
      expect(byName.mail?.finishedLastMinute).toEqual({ succeeded: 0, dead: 0, cancelled: 0 });
    });

    it('lists a queue known only from its operator state, with its limits', async () => {
      await server.conveyor.setQueueLimits('imports', { concurrency: 3, rate: { limit: 10, intervalMs: 1000 } });
      expect((await queues()).imports).toMatchObject({ depth: depth({}), paused: false, limits: { concurrency: 3, perKey: null, rate: { limit: 10, intervalMs: 1000 } } });
    });
  });

  describe('POST /queues/{name}/pause and /resume', () => {
    it('pause is reflected in GET /queues with pausedAt, and resume clears it', async () => {
      await server.conveyor.enqueue(sendEmail, { to: 'a@example.com', subject: 'one' });
      const paused = await server.request('POST', '/queues/mail/pause');
      expect(paused.status).toBe(200);
      const { queue } = (await paused.json()) as { queue: QueueDto };
      expect(queue).toMatchObject({ name: 'mail', paused: true, depth: depth({ queued: 1 }) });
      expect(isoDate(queue.pausedAt)).toBe(true);
      expect((await queues()).mail).toMatchObject({ paused: true, pausedAt: queue.pausedAt });
      expect((await server.conveyor.listQueues()).find((state) => state.name === 'mail')?.paused).toBe(true);

      const resumed = await server.request('POST', '/queues/mail/resume');
      expect(resumed.status).toBe(200);
      expect(await resumed.json()).toMatchObject({ queue: { name: 'mail', paused: false, pausedAt: null } });
      expect((await queues()).mail).toMatchObject({ paused: false, pausedAt: null, depth: depth({ queued: 1 }) });
    });

    it('keeps jobs of a paused queue from running until it is resumed', async () => {
      await server.request('POST', '/queues/mail/pause');
      const worker = await startWorker([sendEmail, exportReport]);
      const { job } = await server.conveyor.enqueue(sendEmail, { to: 'a@example.com', subject: 'paused' });
      // A job of another queue, enqueued later, running proves a claim passed over the paused queue.
      const { job: other } = await server.conveyor.enqueue(exportReport, { range: { start: '2024-01-01', end: '2024-01-31' } });
      expect((await server.conveyor.waitFor(other.id, { timeoutMs: 5_000 })).state).toBe('succeeded');
      expect((await server.conveyor.getJob(job.id))?.state).toBe('queued');
      expect((await server.request('POST', '/queues/mail/resume')).status).toBe(200);
      expect((await server.conveyor.waitFor(job.id, { timeoutMs: 5_000 })).state).toBe('succeeded');
      // Succeeded jobs are history, not depth: the queue shows them as throughput.
      expect((await queues()).mail).toMatchObject({ depth: depth({}), finishedLastMinute: { succeeded: 1, dead: 0, cancelled: 0 } });
      await worker.stop();
    });

    it.each([
      ['a name with a space', '/queues/bad%20name/pause'],
      ['a name starting with a dash', '/queues/-mail/resume'],
      ['a name over 128 characters', `/queues/${'q'.repeat(129)}/pause`],
    ])('refuses %s with 400 naming the rule, changing nothing', async (_what, path) => {
      const response = await server.request('POST', path);
      expect(response.status).toBe(400);
      const { error } = await errorJson(response);
      expect(error.code).toBe('invalid_option');
      expect(error.message).toContain('letters, digits');
      expect(await server.conveyor.listQueues()).toEqual([]);
    });

    it('answers 404 in the error shape for a queue action that does not exist', async () => {
      const response = await server.request('POST', '/queues/mail/drain');
      expect(response.status).toBe(404);
      expect((await errorJson(response)).error.code).toBe('not_found');
    });
  });

  describe('GET /workers', () => {
    it('shows a live worker of this process with what it serves, and not once it stopped', async () => {
      expect(await getJson('/workers')).toEqual({ workers: [] });
      const worker = await startWorker([sendEmail, exportReport]);
      const { workers } = await getJson<{ workers: WorkerDto[] }>('/workers');
      expect(workers).toHaveLength(1);
      const [shown] = workers;
      expect(shown).toMatchObject({ live: true, pid: process.pid, queues: ['mail', 'default'], tasks: ['email.send', 'reports.export'] });
      expect(shown?.concurrency).toBeGreaterThan(0);
      expect(shown?.taskShapes).toEqual([
        { name: 'email.send', queue: 'mail', input: { fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/), fields: expect.arrayContaining([expect.stringMatching(/!$/)]) } },
        { name: 'reports.export', queue: 'default', input: expect.objectContaining({ fields: expect.any(Array) }) },
      ]);
      expect(shown?.host).not.toBe('');
      expect(isoDate(shown?.startedAt ?? null) && isoDate(shown?.lastHeartbeatAt ?? null)).toBe(true);
      await worker.stop();
      expect(await getJson('/workers')).toEqual({ workers: [] });
    });

    it('shows a worker whose heartbeat stopped as not live', async () => {
      const longAgo = new Date(Date.now() - 60_000);
      await server.conveyor.store.workers.register({
        worker: { id: 'crashed-worker', host: 'gone-host', pid: 4242, queues: ['mail'], tasks: ['email.send'], concurrency: 2, startedAt: longAgo, lastHeartbeatAt: longAgo, handlersIgnoringAbort: [], dependencies: [], taskShapes: [] },
      });
      expect(await getJson('/workers')).toEqual({
        workers: [{ id: 'crashed-worker', live: false, host: 'gone-host', pid: 4242, queues: ['mail'], tasks: ['email.send'], concurrency: 2, startedAt: longAgo.toISOString(), lastHeartbeatAt: longAgo.toISOString(), handlersIgnoringAbort: [], dependencies: [], taskShapes: [] }],
      });
    });
  });

  describe('GET /orphans', () => {
    it('shows a job on a queue no worker serves, and drops it once a worker for it starts', async () => {
      const mailWorker = await startWorker([sendEmail]);
      const { job } = await server.conveyor.enqueue(exportReport, { range: { start: '2024-01-01', end: '2024-01-31' } });
      const orphaned = await getJson<OrphanReportDto>('/orphans');
      expect(orphaned.jobs).toEqual([{ task: 'reports.export', queue: 'default', count: 1, oldestCreatedAt: job.createdAt.toISOString(), reason: 'queue-not-served' }]);
      expect(orphaned.stalledWorkers).toEqual([]);
      expect(orphaned.liveWorkers.map((worker) => [worker.live, worker.queues])).toEqual([[true, ['mail']]]);

      const reportWorker = await startWorker([exportReport]);
      const served = await getJson<OrphanReportDto>('/orphans');
      expect(served.jobs).toEqual([]);
      expect(served.liveWorkers).toHaveLength(2);
      await Promise.all([mailWorker.stop(), reportWorker.stop()]);
    });

    it('lists stalled workers, not live', async () => {
      const longAgo = new Date(Date.now() - 60_000);
      await server.conveyor.store.workers.register({
        worker: { id: 'crashed-worker', host: 'gone-host', pid: 4242, queues: ['mail'], tasks: ['email.send'], concurrency: 1, startedAt: longAgo, lastHeartbeatAt: longAgo, handlersIgnoringAbort: [], dependencies: [], taskShapes: [] },
      });
      await server.conveyor.enqueue(sendEmail, { to: 'a@example.com', subject: 'stuck' });
      const report = await getJson<OrphanReportDto>('/orphans');
      expect(report.stalledWorkers).toMatchObject([{ id: 'crashed-worker', live: false, lastHeartbeatAt: longAgo.toISOString() }]);
      expect(report.liveWorkers).toEqual([]);
      expect(report.jobs).toMatchObject([{ task: 'email.send', queue: 'mail', count: 1, reason: 'queue-not-served' }]);
    });
  });
});
