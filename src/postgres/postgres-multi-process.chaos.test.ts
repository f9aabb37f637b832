/**
 * Many worker processes on one PostgreSQL database, under chaos: 4 worker processes × concurrency 10
 * drain 20,000 jobs; a fifth of the way through one of them is SIGKILLed, halfway through the server
 * is restarted (or, where this process cannot restart it, every Conveyor connection is terminated; the
 * log says which). Afterwards no job is lost and each job's success is recorded exactly once, in a
 * side-effect table in the same database (`src/testing/effects.ts`).
 *
 * A chaos test restarts the server under every other test using it, so it runs alone, after the main
 * suite: `vitest.chaos.config.ts`, `npm run test:chaos` (part of `npm test`).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { pino } from 'pino';
import { Conveyor } from '../conveyor.js';
import type { Job } from '../job.js';
import { type EffectsTable, openEffects } from '../testing/effects.js';
import { effectTask } from '../testing/fixtures/tasks.js';
import { disruptPostgres, planDisruption } from '../testing/postgres-chaos.js';
import { describePostgres, freshTestSchema, type TestSchema, waitForPostgres } from '../testing/postgres-env.js';
import { killHard, spawnFixture, type TestProcess } from '../testing/processes.js';

const JOBS = 20_000;
const WORKERS = 4;
const CONCURRENCY = 10;
/** Long enough to outlast the restart (heartbeats fail meanwhile); the killed worker's jobs wait this long. */
const LEASE_MS = 5_000;
const ENQUEUE_BATCH = 1_000;
const DRAIN_TIMEOUT_MS = 240_000;

const log = (message: string) => console.log(`[chaos] ${message}`);

describePostgres('chaos: postgres, many worker processes', () => {
  let testSchema: TestSchema;
  let conveyor: Conveyor | null = null;
  let effects: EffectsTable | null = null;
  const workers: TestProcess[] = [];

  beforeEach(() => {
    testSchema = freshTestSchema();
  });
  afterEach(async () => {
    const leftovers = workers.splice(0);
    for (const worker of leftovers) worker.child.kill('SIGKILL');
    await Promise.all(leftovers.map((worker) => worker.exited));
    await effects?.close();
    await conveyor?.close();
    effects = conveyor = null;
    await testSchema.drop();
  });

  it(`${WORKERS} worker processes drain ${JOBS} jobs through a SIGKILL and a server restart; each succeeds once`, async () => {
    conveyor = await Conveyor.open({ store: testSchema.storeUrl, logger: pino({ level: 'silent' }) });
    effects = await openEffects(testSchema.storeUrl);
    const disruption = await planDisruption();
    log(`plan: ${disruption.kind} (${disruption.why})`);

    const startedAt = Date.now();
    for (let first = 0; first < JOBS; first += ENQUEUE_BATCH) {
      const count = Math.min(ENQUEUE_BATCH, JOBS - first);
      await conveyor.enqueueMany(Array.from({ length: count }, (_, i) => ({ task: effectTask, input: { n: first + i } })));
    }
    log(`enqueued ${JOBS} jobs in ${Date.now() - startedAt} ms`);

    const stderr = new Map<TestProcess, string[]>();
    for (let i = 0; i < WORKERS; i++) {
      const worker = spawnFixture('worker-process.ts', {
        STORE_URL: testSchema.storeUrl,
        CONCURRENCY: String(CONCURRENCY),
        LEASE_MS: String(LEASE_MS),
        CONVEYOR_LOG_LEVEL: 'silent',
      });
      stderr.set(worker, []);
      worker.child.stderr?.on('data', (chunk: Buffer) => stderr.get(worker)?.push(chunk.toString()));
      workers.push(worker);
    }
    await Promise.all(workers.map((w) => w.waitForLine((line) => line.startsWith('ready '), 60_000)));
    const drainStartedAt = Date.now();

    const counter = succeededCounter(conveyor);
    await counter.waitFor(JOBS / 5, DRAIN_TIMEOUT_MS);
    const [doomed, ...survivors] = workers as [TestProcess, ...TestProcess[]];
    const doomedId = (doomed.lines.find((line) => line.startsWith('ready ')) ?? '').slice('ready '.length);
    await killHard(doomed);
    log(`SIGKILLed worker ${doomedId} at ${counter.last} succeeded (it had started ${doomed.lines.filter((l) => l.startsWith('started ')).length} attempts)`);

    await counter.waitFor(JOBS / 2, DRAIN_TIMEOUT_MS);
    const disruptedAt = Date.now();
    log(`${await disruptPostgres(disruption)} at ${counter.last} succeeded`);
    await waitForPostgres();
    log(`PostgreSQL accepts connections again ${Date.now() - disruptedAt} ms after the disruption began`);

    await counter.waitFor(JOBS, DRAIN_TIMEOUT_MS).catch((error: Error) => {
      const tails = survivors.map((w, i) => `worker ${i + 1} stderr: ${(stderr.get(w) ?? []).join('').slice(-2_000)}`);
      throw new Error(`${error.message}\n${tails.join('\n')}`);
    });
    const drainMs = Date.now() - drainStartedAt;
    log(`all ${JOBS} jobs succeeded ${drainMs} ms after the workers started (${Math.round((JOBS / drainMs) * 1000)} jobs/s)`);

    for (const [i, worker] of survivors.entries()) {
      expect(worker.child.exitCode, `worker ${i + 1} survived the disruption; stderr: ${(stderr.get(worker) ?? []).join('')}`).toBeNull();
    }
    const jobs = await allJobs(conveyor);
    expect(jobs).toHaveLength(JOBS);
    expect(jobs.filter((job) => job.state !== 'succeeded')).toEqual([]);
    checkEffects(jobs, await effects.countByAttempt());

    for (const worker of survivors) worker.child.kill('SIGTERM');
    const exits = await Promise.all(survivors.map((w) => w.exited));
    expect(exits, 'survivors stop cleanly on SIGTERM').toEqual(survivors.map(() => ({ code: 0, signal: null })));
  }, 600_000);
});

/**
 * Each job's work is recorded once for the attempt that succeeded. An earlier attempt may have
 * recorded its work too when it was cut off after the handler finished and before its outcome was
 * stored (the SIGKILL, or the restart, landing in between): at-least-once execution, which only an
 * effect written in the job's own transaction could avoid. Such an attempt must have an error on
 * the job saying why it did not count, and never two effects.
 */
function checkEffects(jobs: Job[], effectsByAttempt: Map<string, number>): void {
  const problems: string[] = [];
  const replayed: string[] = [];
  let recorded = 0;
  for (const job of jobs) {
    for (let attempt = 1; attempt <= job.attempt; attempt++) {
      const count = effectsByAttempt.get(`${job.id}#${attempt}`) ?? 0;
      recorded += count;
      if (attempt === job.attempt) {
        if (count !== 1) problems.push(`job ${job.id}: its succeeding attempt ${attempt} recorded ${count} effects`);
      } else if (count > 1) {
        problems.push(`job ${job.id}: attempt ${attempt} recorded ${count} effects`);
      } else if (count === 1) {
        const error = job.errors.find((e) => e.attempt === attempt);
        if (error === undefined) problems.push(`job ${job.id}: attempt ${attempt} recorded an effect but has no error saying why it was run again`);
        else replayed.push(`job ${job.id} attempt ${attempt}: ${error.message.split('\n')[0]}`);
      }
    }
  }
  const total = [...effectsByAttempt.values()].reduce((sum, n) => sum + n, 0);
  if (total !== recorded) problems.push(`${total - recorded} effects belong to no attempt of any job`);
  log(`effects: ${jobs.length - replayed.length} jobs recorded exactly one; ${replayed.length} recorded an extra one from an interrupted attempt`);
  for (const line of replayed) log(`  extra effect: ${line}`);
  expect(problems).toEqual([]);
}

/** Polls how many jobs have succeeded; the store emits no event across processes that says so. */
function succeededCounter(conveyor: Conveyor) {
  const counter = {
    last: 0,
    async waitFor(target: number, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown = null;
      while (Date.now() < deadline) {
        try {
          const groups = await conveyor.store.jobs.countByGroup({ states: ['succeeded'] });
          counter.last = groups.reduce((sum, group) => sum + group.count, 0);
          lastError = null;
          if (counter.last >= target) return;
        } catch (error) {
          lastError = error; // the server is restarting; the next poll tries again
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`only ${counter.last} of ${target} jobs succeeded within ${timeoutMs} ms${lastError === null ? '' : `; last error: ${String(lastError)}`}`);
    },
  };
  return counter;
}

async function allJobs(conveyor: Conveyor): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | null = null;
  do {
    const page = await conveyor.listJobs({}, { cursor, limit: 1000 });
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return jobs;
}
