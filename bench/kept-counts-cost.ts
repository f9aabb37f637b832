/**
 * `npm run bench:kept-counts`: what the kept job counts (`src/store/kept-counts.ts`) cost a drain.
 * Each drain runs on a fresh store, migrated by the store itself: "with" keeps the three triggers of
 * the migration (SQLite 0017, PostgreSQL 0019), "without" drops them right after migrating. Same
 * code, same store type, so the difference is the triggers' work (and, on PostgreSQL, the folds the
 * worker's maintenance runs of the change rows they write).
 *
 * Two workloads, each enqueued with `enqueueMany` (1,000 a call) and then run by one real in-process
 * Conveyor worker (concurrency 10) until the store holds no queued, running, failed or scheduled job;
 * the clock starts before `worker.start()` (BENCH-NOTES: measuring drain):
 *   - all succeed: the hot path (insert as queued, claim, succeed), where every trigger's WHEN is false;
 *   - failure-heavy: every job fails its first attempt (retried at once: backoff 0, no jitter), every
 *     4th fails its second too and ends dead, the rest succeed on it; and every 10th is enqueued with
 *     a 1 ms delay, so it is stored scheduled and is due by the time the worker starts (promoted).
 * The worker polls and runs maintenance every 20 ms (defaults 200 ms and 1 s), so retries are promoted
 * as soon as they are due and the failure-heavy drain measures the store, not those timers.
 *
 * SQLite: a file per drain in a temporary directory. PostgreSQL (CONVEYOR_TEST_PG_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres): a schema per drain, dropped after. One warm-up pair
 * per store and workload, then `--rounds` rounds; in each, every store × workload drains with and
 * without the triggers back to back, the order flipped every round (with, without / without, with …)
 * so neither side always runs second. Prints the median jobs/s of each side and the median of the
 * per-round ratios (with ÷ without): load that comes and goes weighs on both sides of a pair alike.
 *
 * Checks (the run exits non-zero when one fails): every drain ends with the expected numbers of
 * succeeded and dead jobs; after every drain with triggers the kept counts, folded, equal
 * `countByGroup`, and on PostgreSQL the job_count_changes rows left unfolded when the drain ended are
 * reported; a store without triggers has none left and records no change.
 */
import { Command, InvalidArgumentError } from 'commander';
import Database from 'better-sqlite3';
import pg from 'pg';
import { cpus, loadavg } from 'node:os';
import { z } from 'zod';
import { Conveyor, defineTask, type JobState, type Store, type Task } from '../src/index.js';
import { quoteIdentifier } from '../src/postgres/queries.js';
import { KEPT_COUNT_STATES } from '../src/store/kept-counts.js';
import { BenchServer, type BenchSchema } from './postgres/server.js';
import { freshDatabase, median, removeDatabases, silentLogger, sleep } from './shared.js';

const CHUNK = 1000;
const CONCURRENCY = 10;
/** The worker's poll and maintenance interval, in ms. */
const TIMER_MS = 20;
/** A drain that takes longer than this is stuck, not slow. */
const DRAIN_TIMEOUT_MS = 300_000;
const PG_URL = process.env.CONVEYOR_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PENDING_STATES: readonly JobState[] = ['queued', 'running', 'failed', 'scheduled'];

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('Give a whole number ≥ 1.');
  return parsed;
}

const options = new Command()
  .name('npm run bench:kept-counts --')
  .description('What the kept job counts cost a drain: the same drain on stores with and without the count triggers, SQLite and PostgreSQL, two workloads.')
  .option('--jobs <count>', 'jobs per drain', positiveInteger, 3000)
  .option('--rounds <count>', 'alternating rounds, after one warm-up round', positiveInteger, 5)
  .showHelpAfterError()
  .parse()
  .opts<{ jobs: number; rounds: number }>();
const { jobs, rounds } = options;

// ---- workloads ---------------------------------------------------------------------------------

interface Workload {
  name: string;
  task: Task;
  /** The `enqueueMany` options of job `n`. */
  enqueueOptions(n: number): { delayMs?: number } | undefined;
  /** How many of `count` jobs end dead. */
  deadOf(count: number): number;
}

const input = z.object({ n: z.int() });

const allSucceed: Workload = {
  name: 'all succeed',
  task: defineTask({ name: 'bench.succeed', input, run: () => {} }),
  enqueueOptions: () => undefined,
  deadOf: () => 0,
};

const endsDead = (n: number): boolean => n % 4 === 0;
const failureHeavy: Workload = {
  name: 'failure-heavy',
  task: defineTask({
    name: 'bench.fail-first',
    input,
    retry: { maxAttempts: 2, backoff: { initialMs: 0, jitter: 0 } },
    run: ({ n }, { job }) => {
      if (job.attempt === 1 || endsDead(n)) throw new Error(`attempt ${job.attempt} of job ${n} fails`);
    },
  }),
  enqueueOptions: (n) => (n % 10 === 9 ? { delayMs: 1 } : undefined),
  deadOf: (count) => Math.ceil(count / 4),
};

const workloads = [allSucceed, failureHeavy];

// ---- stores ------------------------------------------------------------------------------------

/** What a drain can ask of the database beside the store. */
interface Probe {
  /** Rows of job_count_changes (PostgreSQL); null where the store changes its counts in place. */
  unfoldedChanges(): Promise<number | null>;
  /** The kept-count triggers the database holds. */
  triggerCount(): Promise<number>;
}

interface StoreKind {
  name: string;
  /** Run `measure` on a fresh migrated store, its count triggers dropped unless `triggers`. */
  withFreshStore<T>(triggers: boolean, measure: (storeUrl: string, probe: Probe) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const SQLITE_TRIGGERS = ['conveyor_job_counts_insert', 'conveyor_job_counts_update', 'conveyor_job_counts_delete'];
const POSTGRES_TRIGGERS = ['job_counts_insert', 'job_counts_update', 'job_counts_delete'];

const sqlite: StoreKind = {
  name: 'SQLite',
  async withFreshStore(triggers, measure) {
    const path = await freshDatabase();
    const triggerCount = (): number => {
      const db = new Database(path, { readonly: true });
      try {
        const placeholders = SQLITE_TRIGGERS.map(() => '?').join(', ');
        return (db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger' AND name IN (${placeholders})`).get(...SQLITE_TRIGGERS) as { n: number }).n;
      } finally {
        db.close();
      }
    };
    if (!triggers) {
      const db = new Database(path);
      for (const name of SQLITE_TRIGGERS) db.exec(`DROP TRIGGER ${name}`);
      db.close();
    }
    return measure(`sqlite:${path}`, { unfoldedChanges: async () => null, triggerCount: async () => triggerCount() });
  },
  async close() {
    removeDatabases();
  },
};

async function postgresKind(): Promise<StoreKind> {
  const server = await BenchServer.connect(PG_URL);
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1, application_name: 'conveyor-bench-kept-counts' });
  admin.on('error', () => undefined);
  const probe = (schema: BenchSchema): Probe => ({
    unfoldedChanges: async () => (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdentifier(schema.name)}.job_count_changes`)).rows[0]!.n,
    triggerCount: async () =>
      (
        await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = ANY($2::text[])`,
          [`${quoteIdentifier(schema.name)}.jobs`, POSTGRES_TRIGGERS],
        )
      ).rows[0]!.n,
  });
  return {
    name: 'PostgreSQL',
    withFreshStore: (triggers, measure) =>
      server.withSchema(async (schema) => {
        if (!triggers) for (const name of POSTGRES_TRIGGERS) await admin.query(`DROP TRIGGER ${name} ON ${quoteIdentifier(schema.name)}.jobs`);
        return measure(schema.storeUrl, probe(schema));
      }),
    async close() {
      try {
        await server.close();
      } finally {
        await admin.end();
      }
    },
  };
}

// ---- one drain ---------------------------------------------------------------------------------

class CheckFailed extends Error {
  override name = 'CheckFailed';
}

interface DrainResult {
  drainJobsPerSecond: number;
  enqueueJobsPerSecond: number;
  /** job_count_changes rows when the drain ended (PostgreSQL with triggers), else null. */
  unfolded: number | null;
}

async function countIn(store: Store, states: readonly JobState[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const row of await store.jobs.countByGroup({ states: [...states] })) counts.set(row.state, (counts.get(row.state) ?? 0) + row.count);
  return counts;
}

const total = (counts: Map<string, number>): number => [...counts.values()].reduce((sum, count) => sum + count, 0);

/** Fold everything there is to fold, then compare the kept counts with a count of the rows. */
async function checkKeptCounts(store: Store, where: string): Promise<void> {
  while ((await store.jobs.foldKeptCounts({ limit: 10_000 })) > 0);
  const key = (c: { task: string; queue: string; state: string; count: number }): string => `${c.task}/${c.queue}/${c.state}=${c.count}`;
  const kept = (await store.jobs.countKept({ states: [...KEPT_COUNT_STATES] })).map(key).sort();
  const rows = (await store.jobs.countByGroup({ states: [...KEPT_COUNT_STATES] })).map(key).sort();
  if (kept.join(' ') !== rows.join(' ')) throw new CheckFailed(`${where}: kept counts [${kept.join(', ')}] differ from the rows [${rows.join(', ')}]`);
}

async function drain(kind: StoreKind, workload: Workload, triggers: boolean, count: number): Promise<DrainResult> {
  const where = `${kind.name}, ${workload.name}, ${triggers ? 'with' : 'without'} triggers`;
  return kind.withFreshStore(triggers, async (storeUrl, probe) => {
    const expectedTriggers = triggers ? 3 : 0;
    const triggersHeld = await probe.triggerCount();
    if (triggersHeld !== expectedTriggers) throw new CheckFailed(`${where}: the database holds ${triggersHeld} kept-count triggers, expected ${expectedTriggers}`);
    const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
    try {
      const enqueueStart = performance.now();
      for (let from = 0; from < count; from += CHUNK) {
        const items = Array.from({ length: Math.min(CHUNK, count - from) }, (_, i) => ({ task: workload.task, input: { n: from + i }, options: workload.enqueueOptions(from + i) }));
        await conveyor.enqueueMany(items);
      }
      const enqueueSeconds = (performance.now() - enqueueStart) / 1000;

      const worker = conveyor.createWorker({ tasks: [workload.task], concurrency: CONCURRENCY, pollIntervalMs: TIMER_MS, maintenance: { intervalMs: TIMER_MS } });
      let finished = 0;
      const allFinished = new Promise<void>((resolve) =>
        worker.on('job-settled', (_job, update) => {
          if ((update?.kind === 'succeeded' || update?.kind === 'dead') && ++finished === count) resolve();
        }),
      );
      const start = performance.now();
      await worker.start();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckFailed(`${where}: ${finished} of ${count} jobs finished after ${DRAIN_TIMEOUT_MS} ms`)), DRAIN_TIMEOUT_MS);
      });
      try {
        await Promise.race([allFinished, timedOut]);
        while (total(await countIn(conveyor.store, PENDING_STATES)) > 0) {
          if (performance.now() - start > DRAIN_TIMEOUT_MS) throw new CheckFailed(`${where}: jobs still pending after ${DRAIN_TIMEOUT_MS} ms`);
          await sleep(1);
        }
      } finally {
        clearTimeout(timer);
      }
      const seconds = (performance.now() - start) / 1000;
      const unfolded = await probe.unfoldedChanges();
      await worker.stop();

      const final = await countIn(conveyor.store, ['succeeded', 'dead']);
      const dead = final.get('dead') ?? 0;
      const succeeded = final.get('succeeded') ?? 0;
      if (dead !== workload.deadOf(count) || succeeded !== count - workload.deadOf(count)) {
        throw new CheckFailed(`${where}: ${succeeded} succeeded and ${dead} dead, expected ${count - workload.deadOf(count)} and ${workload.deadOf(count)}`);
      }
      if (triggers) await checkKeptCounts(conveyor.store, where);
      else if ((unfolded ?? 0) > 0) throw new CheckFailed(`${where}: ${unfolded} count changes were recorded with the triggers dropped`);
      return { drainJobsPerSecond: count / seconds, enqueueJobsPerSecond: count / enqueueSeconds, unfolded: triggers ? unfolded : null };
    } finally {
      await conveyor.close();
    }
  });
}

// ---- the run -----------------------------------------------------------------------------------

interface Pair {
  with: DrainResult[];
  without: DrainResult[];
}

const kinds: StoreKind[] = [sqlite];
try {
  kinds.push(await postgresKind());
} catch (error) {
  console.error(`PostgreSQL at ${PG_URL} is needed (set CONVEYOR_TEST_PG_URL): ${(error as Error).message}`);
  process.exit(2);
}

const results = new Map<string, Pair>();
const resultKey = (kind: StoreKind, workload: Workload): string => `${kind.name}\u0000${workload.name}`;
const runStarted = performance.now();
let failure: unknown = null;
try {
  const warmUpJobs = Math.min(jobs, 1000);
  for (const kind of kinds) for (const workload of workloads) for (const triggers of [true, false]) await drain(kind, workload, triggers, warmUpJobs);
  process.stderr.write(`warm-up done (${warmUpJobs} jobs a drain)\n`);
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? [true, false] : [false, true];
    for (const kind of kinds) {
      for (const workload of workloads) {
        const pair = results.get(resultKey(kind, workload)) ?? { with: [], without: [] };
        for (const triggers of order) (triggers ? pair.with : pair.without).push(await drain(kind, workload, triggers, jobs));
        results.set(resultKey(kind, workload), pair);
      }
    }
    process.stderr.write(`round ${round}/${rounds} done (${((performance.now() - runStarted) / 1000).toFixed(0)} s)\n`);
  }
} catch (error) {
  failure = error;
} finally {
  for (const kind of kinds) await kind.close();
}
if (failure !== null) {
  console.error(failure instanceof CheckFailed ? `check failed: ${failure.message}` : failure);
  process.exit(1);
}

const whole = (value: number): string => Math.round(value).toLocaleString('en-US');
const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
const [load1 = Number.NaN] = loadavg();
console.log(
  `Kept job counts, cost to a drain: Node ${process.version}, ${cpus().length} CPUs (load ${load1.toFixed(1)} at the end); ${jobs.toLocaleString('en-US')} jobs a drain, ` +
    `one worker (concurrency ${CONCURRENCY}, poll and maintenance every ${TIMER_MS} ms); medians of ${rounds} alternating rounds after a warm-up; ` +
    `${((performance.now() - runStarted) / 1000).toFixed(0)} s in all.\n`,
);
console.log(line(['store', 'workload', 'drain jobs/s with', 'without', 'with ÷ without (median of rounds)', 'each round', 'enqueue with ÷ without', 'unfolded changes at the end (PG)']));
console.log(line(['---', '---', '---', '---', '---', '---', '---', '---']));
for (const kind of kinds) {
  for (const workload of workloads) {
    const pair = results.get(resultKey(kind, workload))!;
    const drainRatios = pair.with.map((result, round) => result.drainJobsPerSecond / pair.without[round]!.drainJobsPerSecond);
    const enqueueRatios = pair.with.map((result, round) => result.enqueueJobsPerSecond / pair.without[round]!.enqueueJobsPerSecond);
    const unfolded = pair.with.map((result) => result.unfolded).filter((n): n is number => n !== null);
    console.log(
      line([
        kind.name,
        workload.name,
        whole(median(pair.with.map((result) => result.drainJobsPerSecond))),
        whole(median(pair.without.map((result) => result.drainJobsPerSecond))),
        `${median(drainRatios).toFixed(3)}×`,
        drainRatios.map((ratio) => ratio.toFixed(2)).join(' / '),
        `${median(enqueueRatios).toFixed(3)}×`,
        unfolded.length === 0 ? 'n/a (in place)' : unfolded.join(' / '),
      ]),
    );
  }
}
console.log('\nAfter every drain with triggers, folded kept counts equal countByGroup on both stores (checked; a mismatch exits 1).');
