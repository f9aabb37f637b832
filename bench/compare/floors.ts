/**
 * Raw floors the comparison adds to the existing ones (bench/raw-floor.ts, bench/postgres/raw-side.ts):
 * single inserts with the store's own statement, one commit each, and `redis-benchmark`. Each figure
 * is what the hardware allows for that shape of work, to read the systems' figures against.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as sql from '../../src/sqlite/queries.js';
import { rawPool, RawStatements } from '../postgres/raw-floor.js';
import type { BenchServer } from '../postgres/server.js';
import { freshDatabase, insertParams, openRaw, TASK } from '../shared.js';
import { timed } from './context.js';

/** One `JOB_INSERT` per job, each in its own BEGIN IMMEDIATE … COMMIT (synchronous=full): one fsync'd commit per job. */
export async function sqliteSingleInsertFloor(count: number): Promise<number> {
  const db = openRaw(await freshDatabase());
  try {
    const insert = db.prepare(sql.JOB_INSERT);
    const insertOne = db.transaction((n: number) => insert.get(insertParams(n, Date.now())));
    const seconds = await timed(async () => {
      for (let n = 0; n < count; n++) insertOne.immediate(n);
    });
    return count / seconds;
  } finally {
    db.close();
  }
}

/**
 * One autocommit `JOB_INSERT` of one record per job, from `callers` concurrent callers on a pool set up
 * as the store's (10 connections): what a single `enqueue` costs the database, with commits as
 * PostgreSQL groups them on its own.
 */
export async function postgresSingleInsertFloor(server: BenchServer, count: number, callers: number): Promise<number> {
  return server.withSchema(async (schema) => {
    const pool = rawPool(schema.connectionString);
    try {
      const statements = new RawStatements(pool, schema.sql, TASK);
      await Promise.all(Array.from({ length: Math.min(callers, 10) }, (_, n) => statements.insert([{ n: -n - 1 }]))); // open the pool's connections
      let next = 0;
      const seconds = await timed(async () => {
        await Promise.all(
          Array.from({ length: callers }, async () => {
            for (let n = next++; n < count; n = next++) await statements.insert([{ n }]);
          }),
        );
      });
      return count / seconds;
    } finally {
      await pool.end();
    }
  });
}

/** Why `redis-benchmark` cannot run, or null when it can. */
export function redisBenchmarkMissing(): string | null {
  const probe = spawnSync('redis-benchmark', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined ? null : `redis-benchmark not found (apt-get install -y redis-tools): ${probe.error.message}`;
}

/**
 * `redis-benchmark -q -t <tests> -n 100000 -c <clients>` (no pipelining) against the bench's Redis, in
 * database 9 so no key of database 0 is touched. Requests per second by test name.
 */
export async function redisBenchmark(redisUrl: string, tests: string[], clients: number): Promise<Map<string, number>> {
  const url = new URL(redisUrl);
  const args = ['-h', url.hostname, '-p', url.port || '6379', '--dbnum', '9', '-q', '-t', tests.join(','), '-n', '100000', '-c', String(clients)];
  const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const results = new Map<string, number>();
  // Progress lines end in \r; each final line is "LPUSH: 44742.73 requests per second, p50=…".
  for (const match of output.matchAll(/([A-Z]+): ([\d.]+) requests per second/g)) results.set(match[1]!.toLowerCase(), Number(match[2]));
  if (code !== 0 || results.size === 0) throw new Error(`redis-benchmark exited with ${code}: ${output.trim().slice(-200)}`);
  return results;
}
