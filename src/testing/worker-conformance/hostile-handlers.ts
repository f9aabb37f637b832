/**
 * No value a handler throws or returns can stall or crash a worker. Each test runs the worker in a
 * child process, so a crash is seen as a crash, and checks both that the hostile job's outcome is
 * recorded with a readable error and that a polite job queued behind it still succeeds.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../../task.js';
import { ConveyorError } from '../../errors.js';
import type { JobAttemptError } from '../../job.js';
import type { JobStore } from '../../store/store.js';
import { MAX_ERROR_TEXT_BYTES } from '../../store/encoding.js';
import { jobDead, jobFailed, jobSucceeded } from '../../store/state-updates.js';
import { CompletionBatcher } from '../../worker/completion-batcher.js';
import { StoreConnectionTracker } from '../../worker/store-connection.js';
import { describeThrown } from '../../worker/thrown-value.js';
import { captureLogger } from '../capture-logger.js';
import { hostileResultTask, hostileThrowTask, politeTask, type ResultKind, type ThrownKind } from '../fixtures/hostile-tasks.js';
import { killHard, spawnFixture, type TestProcess } from '../processes.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { at, attemptRef, getJob, insertJob } from '../store-conformance/helpers.js';
import { replacing, useHarness } from './helpers.js';

const WAIT = { timeoutMs: 15_000 };

export function hostileHandlerTests(createHarness: WorkerHarnessFactory): void {
  describe('hostile handler values (worker in a child process)', () => {
    const t = useHarness(createHarness);

    async function withWorker(run: (worker: TestProcess) => Promise<void>): Promise<void> {
      const worker = spawnFixture('hostile-worker.ts', { STORE_URL: t.harness.storeUrl, CONCURRENCY: '1' });
      try {
        await worker.waitForLine((line) => line.startsWith('ready '));
        await run(worker);
        expect(worker.child.exitCode, 'the worker process is still alive').toBeNull();
      } finally {
        await killHard(worker);
      }
    }

    it('records a readable, bounded error for every kind of thrown value, and the outcomes queued behind it are recorded too', async () => {
      const conveyor = await t.open();
      await withWorker(async () => {
        const kinds: ThrownKind[] = ['stack-number', 'message-object', 'unprintable', 'proxy', 'getter-throws', 'huge-message'];
        const hostile = new Map<ThrownKind, string>();
        for (const kind of kinds) hostile.set(kind, (await conveyor.enqueue(hostileThrowTask, { kind })).job.id);
        const polite = await conveyor.enqueue(politeTask, { n: 7 });

        expect(await conveyor.waitFor(polite.job.id, WAIT)).toMatchObject({ state: 'succeeded', result: { n: 7 } });
        const ended = new Map<ThrownKind, { message: string; stack: string | null }>();
        for (const [kind, id] of hostile) {
          const job = await conveyor.waitFor(id, WAIT);
          expect(job.state, kind).toBe('dead');
          const error = job.errors.at(-1)!;
          expect(typeof error.message, kind).toBe('string');
          expect(error.stack === null || typeof error.stack === 'string', kind).toBe(true);
          ended.set(kind, error);
        }
        expect(ended.get('stack-number')).toEqual({ ...ended.get('stack-number'), message: 'stack is a number', stack: '42' });
        expect(ended.get('message-object')!.message).toBe('{"code":42}');
        expect(ended.get('unprintable')!.message).toBe('Non-error thrown: [object Object]');
        expect(ended.get('proxy')!.message).toMatch(/^Non-error thrown: \[.*could not be read.*\]$/);
        expect(ended.get('getter-throws')!.message).toMatch(/message could not be read.*message getter/);
        const huge = ended.get('huge-message')!.message;
        expect(Buffer.byteLength(huge)).toBeLessThanOrEqual(MAX_ERROR_TEXT_BYTES);
        expect(huge).toMatch(/\[truncated: 5,242,880 bytes in all\]$/);
      });
    });

    it('fails the attempt of a result over the size limit, naming it, stores a result whose toJSON works once, and goes on', async () => {
      const conveyor = await t.open();
      await withWorker(async () => {
        const kinds: ResultKind[] = ['nul-in-text', 'flaky-to-json', 'too-big'];
        const ids = new Map<ResultKind, string>();
        for (const kind of kinds) ids.set(kind, (await conveyor.enqueue(hostileResultTask, { kind })).job.id);
        const polite = await conveyor.enqueue(politeTask, { n: 1 });

        expect(await conveyor.waitFor(polite.job.id, WAIT)).toMatchObject({ state: 'succeeded', result: { n: 1 } });
        const flaky = await conveyor.waitFor(ids.get('flaky-to-json')!, WAIT);
        expect(flaky).toMatchObject({ state: 'succeeded', result: { calls: 1 } });
        const tooBig = await conveyor.waitFor(ids.get('too-big')!, WAIT);
        expect(tooBig.state).toBe('dead');
        expect(tooBig.errors.at(-1)!.message).toMatch(/result is 2,097,\d+ bytes of JSON, over the limit of 1,048,576 bytes \(worker option maxResultBytes\)/);
        // A NUL inside a string is valid JSON, and both stores keep it.
        expect(await conveyor.waitFor(ids.get('nul-in-text')!, WAIT)).toMatchObject({ state: 'succeeded', result: { text: 'before\u0000after' } });
      });
    });

    it('refuses a progress message that is not a string or is over 4 KiB, naming the limit, and stores one that fits', async () => {
      const conveyor = await t.open();
      const reporter = defineTask({
        name: 'hostile.progress',
        input: z.object({}),
        run: async (_input, ctx) => {
          const refusals: string[] = [];
          for (const message of ['é'.repeat(2049), { text: 'not a string' }]) {
            await ctx.progress(0.5, message as string).catch((error: Error) => refusals.push(error.message));
          }
          await ctx.progress(0.75, 'é'.repeat(2048));
          return refusals;
        },
      });
      await t.startWorker(conveyor, { tasks: [reporter] });
      const { job } = await conveyor.enqueue(reporter, {});
      const done = await conveyor.waitFor(job.id, WAIT);
      expect(done.result).toEqual([
        expect.stringMatching(/^progress\(fraction, message\): message is 4,098 bytes, over the limit of 4,096/),
        'progress(fraction, message): message must be a string, got {"text":"not a string"}',
      ]);
      expect(done.progress).toEqual({ fraction: 0.75, message: 'é'.repeat(2048) });
    });

    it('writes around an outcome the store refuses for its content: the rest of its batch is recorded, and it is replaced by a failed attempt naming the refusal', async () => {
      const conveyor = await t.open();
      const { store } = conveyor;
      for (let n = 0; n < 4; n++) await insertJob(store, { input: { n } });
      const [first, refused, unreplaced, last] = await store.jobs.claim({ queues: ['default'], tasks: ['conformance.task'], workerId: 'w', limit: 4, now: at(1), leaseExpiresAt: at(60) });
      const logger = captureLogger();
      const connection = new StoreConnectionTracker(logger, () => undefined);
      const batcher = new CompletionBatcher(store, connection, logger);
      // What a handler's Error with a numeric message used to become: a value the store cannot encode.
      const unreadable = { attempt: 1, message: 42, stack: { frames: [] }, at: at(2) } as unknown as JobAttemptError;

      const [a, b, c, d] = await Promise.all([
        batcher.record(jobSucceeded(attemptRef(first!), at(2), { n: 0 })),
        batcher.record(jobFailed(attemptRef(refused!), at(2), unreadable, at(10)), (refusal) =>
          jobDead(attemptRef(refused!), at(2), { attempt: 1, message: `refused: ${describeThrown(refusal).message}`, stack: null, at: at(2) }),
        ),
        batcher.record(jobFailed(attemptRef(unreplaced!), at(2), unreadable, at(10))),
        batcher.record(jobSucceeded(attemptRef(last!), at(2), { n: 3 })),
      ]);

      expect([a.result, b.result, c.result, d.result]).toEqual(['applied', 'applied', 'unrecorded', 'applied']);
      expect(b.update.kind).toBe('dead');
      expect(await getJob(store, first!.id)).toMatchObject({ state: 'succeeded', result: { n: 0 } });
      expect(await getJob(store, last!.id)).toMatchObject({ state: 'succeeded', result: { n: 3 } });
      const replaced = await getJob(store, refused!.id);
      expect(replaced.state).toBe('dead');
      expect(replaced.errors.at(-1)!.message).toMatch(/^refused: /);
      // Not written: its lease expires and the job runs again.
      expect((await getJob(store, unreplaced!.id)).state).toBe('running');
      // The store answered every time: a refusal is no outage.
      expect(connection.status.state).toBe('connected');
      expect(logger.find('the store refused this outcome for its content; recording a failed attempt that says why instead')).toHaveLength(1);
    });

    it("writes around an outcome whose write fails in Conveyor's own code (a bug): not retried, replaced by a failed attempt naming it, and no outage", async () => {
      const conveyor = await t.open();
      const { store } = conveyor;
      for (let n = 0; n < 3; n++) await insertJob(store, { input: { n } });
      const [first, buggy, last] = await store.jobs.claim({ queues: ['default'], tasks: ['conformance.task'], workerId: 'w', limit: 3, now: at(1), leaseExpiresAt: at(60) });
      // The real store, but recording the buggy job's success fails in code of ours, as a bug would.
      const setStateIfRunningMany: JobStore['setStateIfRunningMany'] = async (params) => {
        if (params.updates.some((update) => update.id === buggy!.id && update.kind === 'succeeded')) throw new ConveyorError('bug: an invariant of the outcome write failed');
        return store.jobs.setStateIfRunningMany(params);
      };
      const buggyStore = replacing(store, 'jobs', replacing(store.jobs, 'setStateIfRunningMany', setStateIfRunningMany));
      const logger = captureLogger();
      const connection = new StoreConnectionTracker(logger, () => undefined);
      const batcher = new CompletionBatcher(buggyStore, connection, logger);

      const [a, b, c] = await Promise.all([
        batcher.record(jobSucceeded(attemptRef(first!), at(2), { n: 0 })),
        batcher.record(jobSucceeded(attemptRef(buggy!), at(2), { n: 1 }), (error) =>
          jobDead(attemptRef(buggy!), at(2), { attempt: 1, message: `not recorded: ${describeThrown(error).message}`, stack: null, at: at(2) }),
        ),
        batcher.record(jobSucceeded(attemptRef(last!), at(2), { n: 2 })),
      ]);

      expect([a.result, b.result, c.result]).toEqual(['applied', 'applied', 'applied']);
      expect(await getJob(store, first!.id)).toMatchObject({ state: 'succeeded', result: { n: 0 } });
      expect(await getJob(store, last!.id)).toMatchObject({ state: 'succeeded', result: { n: 2 } });
      expect((await getJob(store, buggy!.id)).errors.at(-1)!.message).toBe('not recorded: bug: an invariant of the outcome write failed');
      expect(connection.status.state).toBe('connected');
      expect(logger.find('recording this outcome failed in Conveyor itself (a bug); recording a failed attempt that says why instead')).toHaveLength(1);
    });
  });
}
