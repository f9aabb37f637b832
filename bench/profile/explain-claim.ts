/**
 * EXPLAIN (ANALYZE, BUFFERS) of Conveyor's claim (`JOB_CLAIM`, limit 100) on a fresh schema holding
 * `--jobs` queued jobs (default 20,000): alone, and while another transaction holds the first 100
 * candidates as a concurrent claim would (SKIP LOCKED passes over them). Generic plan, as workers run
 * it (a named statement after five runs). Each claim is rolled back. `npx tsx bench/profile/explain-claim.ts`
 */
import pg from 'pg';
import { conveyorPostgres } from '../compare/adapters/conveyor-postgres.js';
import { closeAdminPools } from '../compare/postgres-admin.js';
import { postgresQueries } from '../../src/postgres/queries.js';

const url = process.env.CONVEYOR_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const jobsArg = process.argv.indexOf('--jobs');
const jobs = jobsArg === -1 ? 20_000 : Number(process.argv[jobsArg + 1]);

const system = await conveyorPostgres.create({ postgresUrl: url, redisUrl: '' });
const explaining = new pg.Client({ connectionString: url });
const holding = new pg.Client({ connectionString: url });
try {
  await system.enqueueBulk(jobs);
  await system.analyze();
  await explaining.connect();
  await holding.connect();
  const claim = postgresQueries(system.location).JOB_CLAIM;
  const params = [['bench'], ['bench.compare'], new Date(), 100, 'explain-worker', new Date(Date.now() + 60_000)];
  await explaining.query(`SET plan_cache_mode = force_generic_plan`);
  const explain = async (label: string): Promise<void> => {
    await explaining.query('BEGIN');
    const literal = params.map((value) => (value instanceof Date ? `'${value.toISOString()}'::timestamptz` : Array.isArray(value) ? `ARRAY['${value[0]}']` : typeof value === 'number' ? String(value) : `'${value}'`));
    const { rows } = await explaining.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE claim(${literal.join(', ')})`);
    await explaining.query('ROLLBACK');
    process.stdout.write(`-- ${label}\n${rows.map((row) => row['QUERY PLAN']).join('\n')}\n\n`);
  };
  await explaining.query(`PREPARE claim(text[], text[], timestamptz, int, text, timestamptz) AS ${claim}`);
  await explain(`claim of 100 among ${jobs} queued jobs, nothing else claiming`);
  // A concurrent claim that has not committed yet: its 100 rows are locked.
  await holding.query('BEGIN');
  await holding.query({ text: claim, values: [params[0], params[1], params[2], 100, 'holder', params[5]] });
  await explain('the same claim while another claim of 100 is in flight (its rows locked)');
  await holding.query('ROLLBACK');
} finally {
  await explaining.end().catch(() => undefined);
  await holding.end().catch(() => undefined);
  await system.close();
  await closeAdminPools();
}
