/**
 * Workload 5, scale (Conveyor's stores only): does a claim cost the same however many jobs wait or
 * have finished? Three fixtures per store — a small queue, a large queue, a small queue beside a
 * large history — each timed on claim-10 + complete-10 cycles through the store, fixtures interleaved
 * over the rounds. The ratio divides by the small queue of the same store and should stay near 1.
 */
import { jobSucceeded } from '../../../src/store/state-updates.js';
import type { Store } from '../../../src/store/store.js';
import { median, percentile } from '../../shared.js';
import type { RunContext, Workload } from '../context.js';
import { ResultTable } from '../results.js';
import { postgresFixture, SCALE_QUEUE, SCALE_TASK, sqliteFixture, type Fixture } from '../scale-fixtures.js';

const BATCH = 10;
const LEASE_MS = 30_000;
/** Untimed cycles on each fixture once built: statements prepared, pages cached, code warm, for every fixture alike. */
const WARM_UP_CYCLES = 10;

/** Microseconds of each claim-10 + complete-10 cycle. */
async function claimCycles(store: Store, cycles: number): Promise<number[]> {
  const samples: number[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const started = process.hrtime.bigint();
    const now = new Date();
    const jobs = await store.jobs.claim({ queues: [SCALE_QUEUE], tasks: [SCALE_TASK], workerId: 'scale-bench', limit: BATCH, now, leaseExpiresAt: new Date(now.getTime() + LEASE_MS) });
    await store.jobs.setStateIfRunningMany({ updates: jobs.map((job) => jobSucceeded({ id: job.id, attempt: job.attempt, workerId: 'scale-bench' }, now, null)) });
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
    if (jobs.length !== BATCH) throw new Error(`claimed ${jobs.length} jobs, expected ${BATCH}`);
  }
  return samples;
}

interface FixtureSpec {
  row: string;
  queued: number;
  finished: number;
}

export function scaleWorkload(run: RunContext): Workload {
  const { rounds, scaleBaseQueued, scaleQueued, scaleFinished, scaleClaims } = run.settings;
  const table = new ResultTable(
    'Claim cost against queue size and history (Conveyor stores)',
    [
      { key: 'median', title: 'claim 10 + complete 10, median', unit: 'µs' },
      { key: 'p99', title: 'p99', unit: 'µs' },
    ],
    [
      `${scaleClaims} cycles per fixture per round through the store's jobs.claim / jobs.setStateIfRunningMany; fixtures filled by set-based SQL and ANALYZEd.`,
      'Each fixture also holds the jobs the rounds will claim, so the small queue never drops below its stated size.',
      '× divides by the same store with the small queue. Use --full for 1,000,000 queued and 5,000,000 finished.',
    ],
  );
  const count = (n: number): string => n.toLocaleString('en-US');
  // The small queue keeps about scaleBaseQueued jobs queued through every round's claims.
  const consumed = (WARM_UP_CYCLES + rounds * scaleClaims) * BATCH;
  const specs: FixtureSpec[] = [
    { row: `${count(scaleBaseQueued)} queued`, queued: scaleBaseQueued + consumed, finished: 0 },
    { row: `${count(scaleQueued)} queued`, queued: scaleQueued + consumed, finished: 0 },
    { row: `${count(scaleBaseQueued)} queued + ${count(scaleFinished)} finished`, queued: scaleBaseQueued + consumed, finished: scaleFinished },
  ];
  const stores: Array<{ label: string; build: (spec: FixtureSpec) => Promise<Fixture> }> = [];
  if (run.has('conveyor-sqlite')) stores.push({ label: 'SQLite', build: (spec) => sqliteFixture(spec.queued, spec.finished) });
  if (run.has('conveyor-postgres')) stores.push({ label: 'PostgreSQL', build: (spec) => postgresFixture(run.environment.postgresUrl, spec.queued, spec.finished) });

  return {
    tables: [table],
    async once() {
      for (const { label, build } of stores) {
        const fixtures: Array<{ row: string; fixture: Fixture }> = [];
        try {
          for (const spec of specs) {
            const started = performance.now();
            const fixture = await build(spec);
            fixtures.push({ row: `${label}, ${spec.row}`, fixture });
            await claimCycles(fixture.store, WARM_UP_CYCLES);
            process.stderr.write(`  scale: ${label} fixture "${spec.row}" built in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
          }
          const reference = fixtures[0]!.row;
          for (let round = 0; round < rounds; round++) {
            for (const { row, fixture } of fixtures) {
              let samples: number[] = [];
              await run.attempt(`scale: ${row}`, async () => {
                samples = await claimCycles(fixture.store, scaleClaims);
                return 0;
              });
              table.record(row, reference, 'median', samples.length === 0 ? Number.NaN : median(samples));
              table.record(row, reference, 'p99', samples.length === 0 ? Number.NaN : percentile(samples, 0.99));
            }
          }
        } catch (error) {
          process.stderr.write(`  scale: ${label} fixtures failed: ${(error as Error).message}\n`);
        } finally {
          for (const { fixture } of fixtures) await fixture.remove();
        }
      }
    },
  };
}
