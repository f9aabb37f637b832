/**
 * `/metrics` over a real SQLite file, with a real worker of this process; checked by promtool when
 * installed. On PostgreSQL, a store that hangs or cannot be reached answers 503.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Conveyor } from '../conveyor.js';
import { describePostgres, freshTestSchema, quoteIdentifier, TEST_POSTGRES_URL, withPostgresClient, type TestSchema } from '../testing/postgres-env.js';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.js';
import { silentLogger } from '../testing/worker-conformance/helpers.js';
import { ConveyorMetrics, metricsRoutes } from './metrics.js';
import { attemptsSettled, emailTask, openFixture, reportTask, type Fixture } from './observability-fixture.js';
import { errorJson } from './test-server.js';

let fixture: Fixture;
beforeEach(async () => {
  fixture = await openFixture();
});
afterEach(async () => {
  await fixture.close();
});

/**
 * Parse the text exposition format strictly enough to catch a malformed line: every sample is
 * `name{labels} value` and belongs to a metric announced by `# HELP` and `# TYPE`. Keys are
 * `name{label="value",…}` exactly as written.
 */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (comment !== null) {
      if (comment[1] === 'TYPE') typed.add(comment[2]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    if (sample === null) throw new Error(`not a sample line: ${line}`);
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!typed.has(sample[1]!) && !typed.has(family)) throw new Error(`sample of an undeclared metric: ${line}`);
    samples.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]));
  }
  return samples;
}

async function scrape(metrics: ConveyorMetrics): Promise<{ text: string; samples: Map<string, number> }> {
  const response = await metricsRoutes(fixture.deps, metrics).request('/metrics');
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, samples: parseExposition(text) };
}

/** Two queues with queued jobs, no worker yet. */
async function enqueueInTwoQueues(metrics: ConveyorMetrics): Promise<void> {
  metrics.recordEnqueued(await fixture.conveyor.enqueueMany([1, 2, 3].map((n) => ({ task: emailTask, input: { n } }))));
  metrics.recordEnqueued(await fixture.conveyor.enqueueMany([1, 2].map((n) => ({ task: reportTask, input: { n } }))));
}

describe('GET /metrics', () => {
  it('serves the store gauges over HTTP in the registry content type, after jobs are enqueued in two queues', async () => {
    const metrics = new ConveyorMetrics(fixture.conveyor, { snapshotTtlMs: 0 });
    await enqueueInTwoQueues(metrics);
    const url = await fixture.listen(metricsRoutes(fixture.deps, metrics));
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
    const samples = parseExposition(await response.text());
    expect(samples.get('conveyor_jobs{queue="emails",state="queued"}')).toBe(3);
    expect(samples.get('conveyor_jobs{queue="reports",state="queued"}')).toBe(2);
    // Succeeded jobs are history: never counted by the gauge (a scrape would read the whole table).
    expect(samples.has('conveyor_jobs{queue="emails",state="succeeded"}')).toBe(false);
    expect(samples.get('conveyor_jobs{queue="emails",state="dead"}')).toBe(0);
    expect(samples.get('conveyor_jobs_running{queue="emails"}')).toBe(0);
    expect(samples.get('conveyor_workers{status="live"}')).toBe(0);
    expect(samples.get('conveyor_workers{status="stalled"}')).toBe(0);
    expect(samples.get('conveyor_orphaned_jobs{queue="emails",task="obs.email",reason="queue-not-served"}')).toBe(3);
    expect(samples.get('conveyor_orphaned_jobs{queue="reports",task="obs.report",reason="queue-not-served"}')).toBe(2);
    expect(samples.get('conveyor_jobs_enqueued_total{queue="emails",task="obs.email"}')).toBe(3);
    expect(samples.get('conveyor_jobs_enqueued_total{queue="reports",task="obs.report"}')).toBe(2);
    expect(samples.get('conveyor_lease_recoveries_total')).toBe(0);
  });

  it('shows each live worker\'s dependencies as conveyor_dependency_up, 1 while up and 0 while down', async () => {
    const now = new Date();
    const scanner = { name: 'virus-scanner', target: 'tcp://clamd:3310', up: false, since: now, checkedAt: now, lastError: 'connect ECONNREFUSED', tasks: ['obs.email'] };
    const billing = { ...scanner, name: 'billing-api', target: 'https://billing/health', up: true, lastError: null };
    const worker = { id: 'w-1', host: 'jobs-1', pid: 10, queues: ['emails'], tasks: ['obs.email'], concurrency: 1, startedAt: now, lastHeartbeatAt: now, handlersIgnoringAbort: [], dependencies: [scanner, billing], taskShapes: [] };
    await fixture.conveyor.store.workers.register({ worker });
    const metrics = new ConveyorMetrics(fixture.conveyor, { snapshotTtlMs: 0 });
    const url = await fixture.listen(metricsRoutes(fixture.deps, metrics));
    const samples = parseExposition(await (await fetch(`${url}/metrics`)).text());
    expect(samples.get('conveyor_dependency_up{worker="w-1",host="jobs-1",dependency="virus-scanner",target="tcp://clamd:3310"}')).toBe(0);
    expect(samples.get('conveyor_dependency_up{worker="w-1",host="jobs-1",dependency="billing-api",target="https://billing/health"}')).toBe(1);
  });

  it('does not count a duplicate returned for a dedup key as enqueued', async () => {
    const metrics = new ConveyorMetrics(fixture.conveyor, { snapshotTtlMs: 0 });
    const first = await fixture.conveyor.enqueue(emailTask, { n: 1 });
    metrics.recordEnqueued([first, { ...first, duplicate: true }]);
    expect((await scrape(metrics)).samples.get('conveyor_jobs_enqueued_total{queue="emails",task="obs.email"}')).toBe(1);
  });

  it('reads the store once per snapshotTtlMs: scrapes within it show the same counts', async () => {
    const metrics = new ConveyorMetrics(fixture.conveyor, { snapshotTtlMs: 60_000 });
    await fixture.conveyor.enqueue(emailTask, { n: 1 });
    expect((await scrape(metrics)).samples.get('conveyor_jobs{queue="emails",state="queued"}')).toBe(1);
    await fixture.conveyor.enqueue(emailTask, { n: 2 });
    expect((await scrape(metrics)).samples.get('conveyor_jobs{queue="emails",state="queued"}')).toBe(1);
    const fresh = new ConveyorMetrics(fixture.conveyor, { snapshotTtlMs: 0 });
    expect((await scrape(fresh)).samples.get('conveyor_jobs{queue="emails",state="queued"}')).toBe(2);
  });

  it('counts outcomes and records durations and start latencies of a worker of this process', async () => {
    const metrics = new ConveyorMetrics(fixture.conveyor, { snapshotTtlMs: 0 });
    await enqueueInTwoQueues(metrics);
    metrics.recordEnqueued([await fixture.conveyor.enqueue(reportTask, { n: 3, fail: true }, { maxAttempts: 1 })]);
    metrics.recordEnqueued([await fixture.conveyor.enqueue(reportTask, { n: 4, fail: true }, { maxAttempts: 3 })]);
    // A scrape before the drain: the emails queue's series must stay, at zero, once it drains.
    expect((await scrape(metrics)).samples.get('conveyor_jobs{queue="emails",state="queued"}')).toBe(3);
    let settled!: Promise<void>;
    await fixture.startWorker([emailTask, reportTask], (worker) => {
      metrics.observeWorker(worker);
      settled = attemptsSettled(worker, 7);
    });
    await settled;
    const { samples } = await scrape(metrics);
    expect(samples.get('conveyor_job_outcomes_total{queue="emails",task="obs.email",outcome="succeeded"}')).toBe(3);
    expect(samples.get('conveyor_job_outcomes_total{queue="reports",task="obs.report",outcome="succeeded"}')).toBe(2);
    expect(samples.get('conveyor_job_outcomes_total{queue="reports",task="obs.report",outcome="dead"}')).toBe(1);
    expect(samples.get('conveyor_job_outcomes_total{queue="reports",task="obs.report",outcome="failed"}')).toBe(1);
    expect(samples.get('conveyor_jobs_enqueued_total{queue="reports",task="obs.report"}')).toBe(4);
    expect(samples.get('conveyor_job_duration_seconds_count{task="obs.email"}')).toBe(3);
    expect(samples.get('conveyor_job_duration_seconds_count{task="obs.report"}')).toBe(4);
    expect(samples.get('conveyor_job_duration_seconds_bucket{le="+Inf",task="obs.report"}')).toBe(4);
    expect(samples.get('conveyor_job_start_latency_seconds_count{queue="emails"}')).toBe(3);
    expect(samples.get('conveyor_job_start_latency_seconds_count{queue="reports"}')).toBe(4);
    expect(samples.has('conveyor_jobs{queue="emails",state="succeeded"}')).toBe(false);
    expect(samples.get('conveyor_jobs{queue="emails",state="queued"}')).toBe(0);
    expect(samples.get('conveyor_jobs{queue="reports",state="dead"}')).toBe(1);
    expect(samples.get('conveyor_jobs{queue="reports",state="failed"}')).toBe(1);
    expect(samples.get('conveyor_workers{status="live"}')).toBe(1);
  });

  it('counts lease recoveries made by the maintenance of a worker of this process', async () => {
    const metrics = new ConveyorMetrics(fixture.conveyor, { snapshotTtlMs: 0 });
    const { job } = await fixture.conveyor.enqueue(emailTask, { n: 1 });
    // A worker that died holding the job: its lease ran out a moment after the claim.
    const now = new Date();
    const claimed = await fixture.conveyor.store.jobs.claim({ queues: ['emails'], tasks: [emailTask.name], workerId: 'died', limit: 1, now, leaseExpiresAt: new Date(now.getTime() + 1) });
    expect(claimed.map((each) => each.id)).toEqual([job.id]);
    let recovered!: Promise<void>;
    await fixture.startWorker([reportTask], (worker) => {
      metrics.observeWorker(worker);
      recovered = new Promise((resolve) => worker.once('leases-recovered', () => resolve()));
    });
    await recovered;
    expect((await scrape(metrics)).samples.get('conveyor_lease_recoveries_total')).toBe(1);
  });

  it('stops recording a worker once the function observeWorker returned is called', async () => {
    const metrics = new ConveyorMetrics(fixture.conveyor, { snapshotTtlMs: 0 });
    let settled!: Promise<void>;
    await fixture.startWorker([emailTask], (worker) => {
      metrics.observeWorker(worker)();
      settled = attemptsSettled(worker, 1);
    });
    await fixture.conveyor.enqueue(emailTask, { n: 1 });
    await settled;
    expect((await scrape(metrics)).samples.has('conveyor_job_outcomes_total{queue="emails",task="obs.email",outcome="succeeded"}')).toBe(false);
  });

  it('answers 500 in the API error shape, not 503, when reading fails for a reason other than the store (a closed Conveyor)', async () => {
    const metrics = new ConveyorMetrics(fixture.conveyor);
    await fixture.conveyor.close();
    const response = await metricsRoutes(fixture.deps, metrics).request('/metrics');
    expect(response.status).toBe(500);
    const { error } = await errorJson(response);
    expect(error).toEqual({ code: 'internal', message: 'Internal server error; the server logged the details.' });
  });

  it('passes `promtool check metrics` (Prometheus\'s own linter) with every metric kind present', async (ctx) => {
    const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (probe.error !== undefined) {
      // CI installs promtool and sets this, so a missing promtool fails there instead of passing unseen.
      if (process.env.CONVEYOR_REQUIRE_PROMTOOL === '1') throw new Error('CONVEYOR_REQUIRE_PROMTOOL=1 but promtool is not on PATH; install the Debian package `prometheus`');
      const reason = 'promtool is not on PATH (Debian package `prometheus`); the exposition was checked only by this file\'s parser';
      console.warn(`skipped: ${reason}`);
      ctx.skip(reason); // reason: promtool missing and CONVEYOR_REQUIRE_PROMTOOL unset (CI sets it, so CI never skips)
    }
    const metrics = new ConveyorMetrics(fixture.conveyor, { snapshotTtlMs: 0 });
    await enqueueInTwoQueues(metrics);
    let settled!: Promise<void>;
    await fixture.startWorker([emailTask], (worker) => {
      metrics.observeWorker(worker);
      settled = attemptsSettled(worker, 3);
    });
    await settled;
    const { text } = await scrape(metrics);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: '' });
  });
});

describePostgres('GET /metrics when the PostgreSQL store hangs or is unreachable', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let conveyor: Conveyor;

  beforeEach(async () => {
    schema = freshTestSchema();
    const server = new URL(TEST_POSTGRES_URL);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const url = new URL(schema.storeUrl);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    conveyor = await Conveyor.open({ store: url.toString(), tasks: [emailTask], logger: silentLogger });
  });

  afterEach(async () => {
    proxy.restore();
    await conveyor.close();
    await proxy.close();
    await schema.drop();
  });

  async function scrapeError(metrics: ConveyorMetrics): Promise<{ status: number; error: { code: string; message: string } }> {
    const response = await metricsRoutes({ conveyor, logger: silentLogger }, metrics).request('/metrics');
    return { status: response.status, error: (await errorJson(response)).error };
  }

  it('answers 503 store_unavailable naming the bound when the store does not answer within storeTimeoutMs', async () => {
    const metrics = new ConveyorMetrics(conveyor, { snapshotTtlMs: 0, storeTimeoutMs: 200 });
    await withPostgresClient(async (locker) => {
      // Another session holds the jobs table: the scrape's count waits on the lock, like on a hung server.
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${quoteIdentifier(schema.schema)}.jobs IN ACCESS EXCLUSIVE MODE`);
      try {
        const { status, error } = await scrapeError(metrics);
        expect(status).toBe(503);
        expect(error.code).toBe('store_unavailable');
        expect(error.message).toMatch(/^Metrics could not be read: /);
        expect(error.message).toBe('Metrics could not be read: reading metrics had no answer from the store within 200 ms');
      } finally {
        await locker.query('ROLLBACK');
      }
    });
  });

  it('answers 503 store_unavailable naming the server when the store cannot be reached, and 200 once it can', async () => {
    const metrics = new ConveyorMetrics(conveyor, { snapshotTtlMs: 0 });
    proxy.cut();
    const { status, error } = await scrapeError(metrics);
    expect(status).toBe(503);
    expect(error.code).toBe('store_unavailable');
    expect(error.message).toMatch(/^Metrics could not be read: Cannot reach the PostgreSQL store at postgres:\/\/\S+@/);
    proxy.restore();
    expect((await metricsRoutes({ conveyor, logger: silentLogger }, metrics).request('/metrics')).status).toBe(200);
  });
});
