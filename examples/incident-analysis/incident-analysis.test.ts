/**
 * The incident-analysis example, end to end with real processes: three ingestion API processes, the
 * `conveyor worker` command (from dist/: run `npm run build` first), Conveyor's store (a SQLite file
 * of the test's own; a fresh schema of `CONVEYOR_STORE` when that is a postgres:// URL) and the
 * example's tables in a fresh schema of `INCIDENT_DATABASE_URL`.
 *
 * Without PostgreSQL the suite is skipped with the reason in its title, or fails with it when
 * `CONVEYOR_REQUIRE_PG=1` (as in CI), like the project's own PostgreSQL suites.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conveyor } from 'conveyor';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema as dropStoreSchema, postgresRequired, postgresUrlWithSchema, probePostgres } from '../../src/testing/postgres-server.js';
import { burstLines, newTraceId, outcomesByTrace, postIncident, sendBurst } from './burst.js';
import { openIncidentsPool, withIncidentsClient } from './db.js';
import { type IngestEndpoint, type PipelineEnv, startIngestProcesses, startWorker } from './pipeline.js';
import { ProcessGroup } from './processes.js';
import { analysisRows, stepRunCounts, storedLineCount } from './results.js';
import { createTables, dropSchema } from './schema.js';
import { DEFAULT_DATABASE_URL, redactPassword, withDefaultUser } from './settings.js';

const DATABASE_URL = withDefaultUser(process.env.INCIDENT_DATABASE_URL || DEFAULT_DATABASE_URL);
const probe = await probePostgres(DATABASE_URL);
const unreachable = probe.reachable
  ? null
  : `cannot connect to ${redactPassword(DATABASE_URL)} (${probe.reason}); start PostgreSQL or set INCIDENT_DATABASE_URL`;
if (unreachable !== null && !postgresRequired()) console.warn(`examples/incident-analysis skipped: ${unreachable}`);

/** Short leases, so a killed worker's job is taken over within seconds. */
const LEASE_MS = 2_000;
/** The settle window of the ingestion processes: short, the test sends its burst at once. */
const SETTLE_MS = 500;

describe('examples/incident-analysis', () => {
  if (unreachable !== null) {
    if (postgresRequired()) {
      it('needs a reachable PostgreSQL server (CONVEYOR_REQUIRE_PG=1)', () => {
        throw new Error(`PostgreSQL suites FAIL: ${unreachable}`);
      });
    } else {
      it.skip(`skipped: ${unreachable}`, () => {}); // reason: no PostgreSQL answers, and CONVEYOR_REQUIRE_PG unset
    }
    return;
  }

  const group = new ProcessGroup();
  const schema = `incident_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  let directory: string | null = null;
  let storeSchema: { schema: string; url: string } | null = null;
  let pipeline: PipelineEnv;
  let conveyor: Conveyor;
  let db: pg.Pool;
  let ingest: IngestEndpoint[];

  beforeAll(async () => {
    await withIncidentsClient(DATABASE_URL, (client) => createTables(client, schema));
    db = openIncidentsPool({ url: DATABASE_URL, schema }, 4);
    let conveyorStore: string;
    if (process.env.CONVEYOR_STORE?.startsWith('postgres')) {
      storeSchema = { schema: `conveyor_${schema}`, url: process.env.CONVEYOR_STORE };
      conveyorStore = postgresUrlWithSchema(storeSchema.schema, storeSchema.url);
    } else {
      directory = mkdtempSync(join(tmpdir(), 'incident-analysis-test-'));
      conveyorStore = `sqlite:${join(directory, 'conveyor.db')}`;
    }
    // Migrates the store once, before the processes that share it start.
    conveyor = await Conveyor.open({ store: conveyorStore, tasks: [], logger: pino({ level: 'silent' }) });
    pipeline = { conveyorStore, databaseUrl: DATABASE_URL, schema, settleMs: SETTLE_MS };
    ingest = await startIngestProcesses(group, pipeline, [0, 0, 0]);
  }, 60_000);

  afterAll(async () => {
    await group.close();
    await conveyor?.close();
    await db?.end();
    await withIncidentsClient(DATABASE_URL, (client) => dropSchema(client, schema));
    if (storeSchema !== null) await dropStoreSchema(storeSchema.schema, storeSchema.url);
    if (directory !== null) rmSync(directory, { recursive: true, force: true });
  }, 30_000);

  it('refuses a bad request with 400 naming the field (413 when too big), and stores nothing', async () => {
    const traceId = newTraceId();
    const missing = await postIncident(ingest[0]!.url, { traceId, message: 'HTTP 502' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ field: 'service', error: expect.stringMatching(/^service: /) });
    const badTime = await postIncident(ingest[1]!.url, { traceId, service: 'checkout', message: 'HTTP 502', at: 'yesterday' });
    expect(badTime.body).toMatchObject({ field: 'at' });
    const huge = await postIncident(ingest[2]!.url, { traceId, service: 'checkout', message: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(await storedLineCount(db, [traceId])).toBe(0);
    expect((await conveyor.listJobs({ task: 'incident.analyse' })).jobs).toHaveLength(0);
  });

  it('turns 500 concurrent requests for 20 traces, over 3 processes, into 20 jobs and one analysis per trace', async () => {
    const traceIds = Array.from({ length: 20 }, newTraceId);
    const sent = await sendBurst(
      ingest.map((endpoint) => endpoint.url),
      burstLines(traceIds, 500),
    );
    expect(sent.filter((one) => one.status !== 202).map((one) => one.body)).toEqual([]);
    // Every process took its share (request i went to process i % 3).
    const servedBy = new Map<string, number>();
    for (const one of sent) servedBy.set(one.servedBy!, (servedBy.get(one.servedBy!) ?? 0) + 1);
    expect(Object.fromEntries(servedBy)).toEqual({ 'ingest-1': 167, 'ingest-2': 167, 'ingest-3': 166 });

    const outcomes = outcomesByTrace(sent);
    expect(outcomes).toHaveLength(20);
    for (const outcome of outcomes) {
      expect(outcome, `trace ${outcome.traceId}`).toMatchObject({ requests: 25, created: 1, duplicates: 24, failed: 0 });
      expect(outcome.jobIds, `job ids answered for trace ${outcome.traceId}`).toHaveLength(1);
    }
    const jobIds = outcomes.map((outcome) => outcome.jobIds[0]!);
    expect(new Set(jobIds).size).toBe(20);

    // The store holds exactly those 20 jobs, one per trace, keyed by trace id.
    const { jobs } = await conveyor.listJobs({ task: 'incident.analyse' }, { limit: 1000 });
    expect(jobs.map((job) => job.id).sort()).toEqual([...jobIds].sort());
    expect(jobs.map((job) => job.dedupKey).sort()).toEqual([...traceIds].sort());
    expect(await storedLineCount(db, traceIds)).toBe(500);

    const worker = await startWorker(group, pipeline, { leaseMs: LEASE_MS });
    try {
      const done = await Promise.all(jobIds.map((id) => conveyor.waitFor(id, { timeoutMs: 30_000 })));
      expect(done.map((job) => job.state)).toEqual(jobIds.map(() => 'succeeded'));
      const rows = await analysisRows(db, traceIds);
      expect(rows.map((row) => row.traceId).sort()).toEqual([...traceIds].sort());
      for (const row of rows) expect(row).toMatchObject({ logCount: 25, jobAttempt: 1 });
      const runs = await stepRunCounts(db, traceIds);
      for (const traceId of traceIds) expect(runs.get(traceId), `step runs of ${traceId}`).toEqual({ 'fetch-logs': 1, 'group-and-score': 1, 'write-result': 1 });
    } finally {
      await worker.stop();
    }
    expect(worker.stdout.filter((line) => line.startsWith('incident-analysis: analysed trace'))).toHaveLength(20);
  }, 60_000);

  it('resumes an analysis whose worker was killed with SIGKILL between steps, without re-running the finished steps', async () => {
    const traceId = newTraceId();
    const sent = await sendBurst(
      ingest.map((endpoint) => endpoint.url),
      burstLines([traceId], 30),
    );
    const [outcome] = outcomesByTrace(sent);
    expect(outcome).toMatchObject({ created: 1, duplicates: 29, failed: 0 });
    const jobId = outcome!.jobIds[0]!;

    const doomed = await startWorker(group, pipeline, { name: 'worker-doomed', leaseMs: LEASE_MS, pauseAfter: 'group-and-score' });
    const [, pausedJob] = await doomed.waitForLine(/paused after group-and-score: job (\d+), attempt 1/, 20_000);
    expect(pausedJob).toBe(jobId);
    expect((await doomed.kill()).signal).toBe('SIGKILL');

    // Killed between steps: two steps ran and are kept, nothing was written.
    expect((await stepRunCounts(db, [traceId])).get(traceId)).toEqual({ 'fetch-logs': 1, 'group-and-score': 1, 'write-result': 0 });
    expect(await analysisRows(db, [traceId])).toEqual([]);
    expect((await conveyor.getJob(jobId))?.state).toBe('running');

    const successor = await startWorker(group, pipeline, { name: 'worker-successor', leaseMs: LEASE_MS });
    try {
      const job = await conveyor.waitFor(jobId, { timeoutMs: 30_000 });
      // Attempt 1 died with its worker (its lease expired); attempt 2 finished the job.
      expect({ state: job.state, attempt: job.attempt }).toEqual({ state: 'succeeded', attempt: 2 });
      expect(job.result).toMatchObject({ traceId, logCount: 30, written: true });

      const rows = await analysisRows(db, [traceId]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ logCount: 30, jobId, jobAttempt: 2 });
      // The finished steps' bodies did not run again: their kept results were used.
      expect((await stepRunCounts(db, [traceId])).get(traceId)).toEqual({ 'fetch-logs': 1, 'group-and-score': 1, 'write-result': 1 });
      const steps = await conveyor.listSteps(jobId);
      expect(steps.map((step) => [step.name, step.status, step.attempt])).toEqual([
        ['fetch-logs', 'succeeded', 1],
        ['group-and-score', 'succeeded', 1],
        ['write-result', 'succeeded', 2],
      ]);
    } finally {
      await successor.stop();
    }
  }, 60_000);
});
