/** The floor's side of each PostgreSQL measurement: the same work as `conveyor-side.ts`, as bare statements. */
import { startChild, stopChild, TASK } from '../shared.js';
import { STAMP_TASK, wallClockMs } from './jobs.js';
import { enqueueSpacedApart } from './latency-run.js';
import { OutcomeWriter, rawPool, RawStatements } from './raw-floor.js';
import type { BenchServer } from './server.js';

const INSERT_CHUNK = 1000;

/** One `JOB_INSERT` of 1000 records per chunk, as `enqueueMany` of 1000 items issues. */
export async function rawBulkEnqueue(server: BenchServer, count: number): Promise<number> {
  return server.withSchema(async (schema) => {
    const pool = rawPool(schema.connectionString);
    try {
      const statements = new RawStatements(pool, schema.sql, TASK);
      await pool.query('SELECT 1'); // Conveyor.open has connected by the time its clock starts
      const start = performance.now();
      for (let from = 0; from < count; from += INSERT_CHUNK) {
        const inputs = Array.from({ length: Math.min(count, from + INSERT_CHUNK) - from }, (_, offset) => ({ n: from + offset }));
        await statements.insert(inputs);
      }
      return count / ((performance.now() - start) / 1000);
    } finally {
      await pool.end();
    }
  });
}

/**
 * Drain: claim `batch` jobs after another until a claim finds none, while the outcomes of earlier
 * batches are written beside (a worker at concurrency `batch` with instant handlers claims a full
 * batch each time, and its batcher writes outcomes meanwhile).
 */
export async function rawDrain(server: BenchServer, count: number, batch: number): Promise<number> {
  return server.withSchema(async (schema) => {
    await server.seedQueuedJobs(schema, count);
    const pool = rawPool(schema.connectionString);
    try {
      const statements = new RawStatements(pool, schema.sql, TASK);
      const outcomes = new OutcomeWriter(statements);
      await pool.query('SELECT 1');
      const start = performance.now();
      for (let jobs = await statements.claim(batch); jobs.length > 0; jobs = await statements.claim(batch)) {
        outcomes.add(jobs.map((job) => ({ job, result: null })));
      }
      await outcomes.flushed();
      const seconds = (performance.now() - start) / 1000;
      const left = await server.unfinishedCount(schema);
      if (left !== 0) throw new Error(`the raw drain left ${left} jobs unfinished`);
      return count / seconds;
    } finally {
      await pool.end();
    }
  });
}

/** Single inserts at a steady rate; each is claimed right after its insert returns, in this process. */
export async function rawLatencyInProcess(server: BenchServer, count: number, perSecond: number): Promise<number[]> {
  return server.withSchema(async (schema) => {
    const pool = rawPool(schema.connectionString);
    try {
      const statements = new RawStatements(pool, schema.sql, STAMP_TASK);
      const outcomes = new OutcomeWriter(statements);
      await enqueueSpacedApart(server, schema, count, perSecond, async (input) => {
        await statements.insert([input]);
        const jobs = await statements.claim(10);
        const result = { startedAt: wallClockMs() };
        outcomes.add(jobs.map((job) => ({ job, result })));
      });
      await outcomes.flushed();
    } finally {
      await pool.end();
    }
    return server.readLatencies(schema, STAMP_TASK);
  });
}

/** Single inserts at a steady rate, claimed by a raw LISTEN/NOTIFY claimer in another process (`raw-listener-process.ts`). */
export async function rawLatencyCrossProcess(server: BenchServer, count: number, perSecond: number): Promise<number[]> {
  return server.withSchema(async (schema) => {
    const listener = await startChild('./postgres/raw-listener-process.ts', [schema.connectionString, schema.name]);
    const pool = rawPool(schema.connectionString);
    try {
      const statements = new RawStatements(pool, schema.sql, STAMP_TASK);
      await enqueueSpacedApart(server, schema, count, perSecond, (input) => statements.insert([input]));
    } finally {
      await pool.end();
      await stopChild(listener);
    }
    return server.readLatencies(schema, STAMP_TASK);
  });
}
