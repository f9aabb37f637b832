/**
 * The floor of a worker in another process: it LISTENs on the store's channel and claims as the
 * worker's claim loop does (up to 10; again at once if the batch was full or a notice came meanwhile,
 * else wait for a notice or the poll interval), stamping each claimed job's start and writing outcomes
 * in the background. Prints `ready` once listening; stops on SIGTERM.
 */
import pg from 'pg';
import { postgresQueries } from '../../src/postgres/queries.js';
import { POLL_INTERVAL_MS } from '../shared.js';
import { STAMP_TASK, wallClockMs } from './jobs.js';
import { OutcomeWriter, rawPool, RawStatements } from './raw-floor.js';

const BATCH = 10;

const [connectionString, schema] = process.argv.slice(2);
if (connectionString === undefined || schema === undefined) throw new Error('usage: raw-listener-process.ts <postgres url> <schema>');
const sql = postgresQueries(schema);
const pool = rawPool(connectionString);
const statements = new RawStatements(pool, sql, STAMP_TASK);
const outcomes = new OutcomeWriter(statements);

let noticed = false;
let wake: (() => void) | null = null;
const listener = new pg.Client({ connectionString, keepAlive: true, application_name: 'conveyor-bench-raw-listener' });
listener.on('notification', () => {
  noticed = true;
  wake?.();
});
await listener.connect();
await listener.query(sql.LISTEN);

/** Resolves at the next notice or after the poll interval. */
function nextNoticeOrPoll(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, POLL_INTERVAL_MS);
    function done(): void {
      clearTimeout(timer);
      wake = null;
      resolve();
    }
    wake = done;
  });
}

let running = true;
process.once('SIGTERM', () => {
  running = false;
  wake?.();
});
process.stdout.write('ready\n');
while (running) {
  noticed = false;
  const jobs = await statements.claim(BATCH);
  const result = { startedAt: wallClockMs() };
  if (jobs.length > 0) outcomes.add(jobs.map((job) => ({ job, result })));
  if (jobs.length < BATCH && !noticed && running) await nextNoticeOrPoll();
}
await outcomes.flushed();
await listener.end();
await pool.end();
