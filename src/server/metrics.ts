/**
 * Prometheus metrics (`GET /metrics`), on a registry of their own so an application's other metrics
 * never mix in. Two kinds:
 * - State of the whole system, read from the store when scraped (jobs by queue and state, running
 *   jobs, live and stalled workers, orphaned jobs). Every process serving `/metrics` reports the same
 *   values: aggregate them with `max`, not `sum`. One scrape makes two grouped count queries; their
 *   result is shared by every gauge and kept for `snapshotTtlMs`, so close scrapes cost nothing.
 * - Events seen by this process (enqueues through `recordEnqueued`, attempts and lease recoveries of
 *   workers given to `observeWorker`). Events in other processes are not seen here: each process
 *   exposes its own counters, and `sum` across processes gives the totals.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { BlankEnv } from 'hono/types';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OrphanReport } from '../client/orphans.js';
import type { Conveyor } from '../conveyor.js';
import { ConveyorStoreUnavailableError } from '../errors.js';
import { DEPTH_STATES } from '../insights/queue-overview.js';
import { withTimeout } from '../insights/with-timeout.js';
import type { Job } from '../job.js';
import type { JobStateCount, JobStateUpdate } from '../store/store.js';
import type { Worker } from '../worker/worker.js';
import type { ServerDeps } from './deps.js';
import { errorResponse, respondToError } from './errors.js';

export interface ConveyorMetricsOptions {
  /** How long one read of the store serves scrapes. @default 1000 */
  snapshotTtlMs?: number;
  /** How long a scrape waits for the store before it fails with 503. @default 5000 */
  storeTimeoutMs?: number;
}

/** Seconds: from a few milliseconds to an hour, for both job durations and start latencies. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

const THIS_PROCESS = 'Counted in this process only; sum over every process for the total.';

interface StoreSnapshot {
  counts: JobStateCount[];
  orphans: OrphanReport;
}

/**
 * Every Conveyor metric, on `registry`. A process that runs workers passes each to `observeWorker`,
 * and one that enqueues (the HTTP API) passes each enqueue's results to `recordEnqueued`.
 *
 * @example
 * const metrics = new ConveyorMetrics(conveyor);
 * metrics.observeWorker(worker);
 * app.route('/', metricsRoutes(deps, metrics));
 */
export class ConveyorMetrics {
  /** Holds only Conveyor's metrics (not prom-client's global registry). */
  readonly registry = new Registry();
  private readonly snapshotTtlMs: number;
  private readonly storeTimeoutMs: number;
  private snapshot: { takenAt: number; value: Promise<StoreSnapshot> } | null = null;

  private readonly enqueued = new Counter({
    name: 'conveyor_jobs_enqueued_total',
    help: `Jobs enqueued through this process (duplicates returned for a dedup key not included). ${THIS_PROCESS}`,
    labelNames: ['queue', 'task'],
    registers: [this.registry],
  });
  private readonly outcomes = new Counter({
    name: 'conveyor_job_outcomes_total',
    help: `Attempts that ended on workers of this process, by outcome (succeeded, failed = will retry, dead, cancelled, snoozed, released = handed back on shutdown). ${THIS_PROCESS}`,
    labelNames: ['queue', 'task', 'outcome'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'conveyor_job_duration_seconds',
    help: `How long attempts ran on workers of this process, from start to outcome. ${THIS_PROCESS}`,
    labelNames: ['task'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly startLatency = new Histogram({
    name: 'conveyor_job_start_latency_seconds',
    help: `From when a job could run (the later of enqueue and runAt) to when its attempt started on a worker of this process. ${THIS_PROCESS}`,
    labelNames: ['queue'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly leaseRecoveries = new Counter({
    name: 'conveyor_lease_recoveries_total',
    help: `Running jobs whose lease expired (their worker died or hung) and that maintenance of this process's workers queued again or ended. ${THIS_PROCESS}`,
    registers: [this.registry],
  });

  constructor(
    private readonly conveyor: Conveyor,
    options: ConveyorMetricsOptions = {},
  ) {
    this.snapshotTtlMs = options.snapshotTtlMs ?? 1_000;
    this.storeTimeoutMs = options.storeTimeoutMs ?? 5_000;
    this.registerStoreGauges();
  }

  /** Count the jobs of an enqueue (`conveyor.enqueue` or `enqueueMany` results). */
  recordEnqueued(results: ReadonlyArray<{ job: Job; duplicate: boolean }>): void {
    for (const { job, duplicate } of results) if (!duplicate) this.enqueued.inc({ queue: job.queue, task: job.task });
  }

  /** Record the attempts and lease recoveries of a worker of this process. Returns a function that stops. */
  observeWorker(worker: Worker): () => void {
    const attemptStarts = new Map<string, number>();
    const onStarted = (job: Job) => {
      const now = Date.now();
      attemptStarts.set(attemptKey(job), now);
      const runnableAt = Math.max(job.createdAt.getTime(), job.runAt.getTime());
      // Clocks of the enqueuing and the running process may differ a little.
      this.startLatency.observe({ queue: job.queue }, Math.max(0, now - runnableAt) / 1000);
    };
    const onSettled = (job: Job, update: JobStateUpdate | null, applied: boolean) => {
      const startedAt = attemptStarts.get(attemptKey(job));
      attemptStarts.delete(attemptKey(job));
      // null: the lease was lost, and the worker that took the job over reports its outcome.
      if (update === null) return;
      if (startedAt !== undefined) this.duration.observe({ task: job.task }, Math.max(0, update.at.getTime() - startedAt) / 1000);
      if (applied) this.outcomes.inc({ queue: job.queue, task: job.task, outcome: update.kind });
    };
    const onLeasesRecovered = (count: number) => this.leaseRecoveries.inc(count);
    worker.on('job-started', onStarted);
    worker.on('job-settled', onSettled);
    worker.on('leases-recovered', onLeasesRecovered);
    return () => {
      worker.off('job-started', onStarted);
      worker.off('job-settled', onSettled);
      worker.off('leases-recovered', onLeasesRecovered);
    };
  }

  /** The exposition text; rejects when the store does not answer within `storeTimeoutMs`. */
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private registerStoreGauges(): void {
    const registers = [this.registry];
    const read = () => this.readStore();
    // Queues this process has seen jobs of: their series stay (at zero) once the queue drains.
    const seenQueues = new Set<string>();
    new Gauge({
      name: 'conveyor_jobs',
      help: 'Jobs in the store by queue and state, every process included; succeeded jobs (the history) are not counted: see conveyor_job_outcomes_total.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const { counts } = await read();
        this.reset();
        // Every counted state of every queue seen, zeros included, so a series never vanishes when its queue drains.
        for (const count of counts) seenQueues.add(count.queue);
        for (const queue of seenQueues) for (const state of DEPTH_STATES) this.set({ queue, state }, 0);
        for (const count of counts) this.inc({ queue: count.queue, state: count.state }, count.count);
      },
    });
    new Gauge({
      name: 'conveyor_jobs_running',
      help: 'Jobs running now by queue, every process included.',
      labelNames: ['queue'],
      registers,
      async collect() {
        const { counts } = await read();
        this.reset();
        for (const queue of new Set(counts.map((count) => count.queue))) this.set({ queue }, 0);
        for (const count of counts) if (count.state === 'running') this.inc({ queue: count.queue }, count.count);
      },
    });
    new Gauge({
      name: 'conveyor_workers',
      help: 'Registered workers by status: live (heartbeating) or stalled (heartbeat stopped; not yet pruned).',
      labelNames: ['status'],
      registers,
      async collect() {
        const { orphans } = await read();
        this.set({ status: 'live' }, orphans.liveWorkers.length);
        this.set({ status: 'stalled' }, orphans.stalledWorkers.length);
      },
    });
    new Gauge({
      name: 'conveyor_worker_handlers_ignoring_abort',
      help: 'Handlers still running after their attempt was aborted (timeout, cancel, lost lease, shutdown), by live worker, as of its latest heartbeat; each holds a slot until it returns.',
      labelNames: ['worker', 'host'],
      registers,
      async collect() {
        const { orphans } = await read();
        this.reset();
        for (const worker of orphans.liveWorkers) this.set({ worker: worker.id, host: worker.host }, worker.handlersIgnoringAbort.length);
      },
    });
    new Gauge({
      name: 'conveyor_dependency_up',
      help: 'Whether a service a task needs was up (1) or down (0) at the latest check of each live worker whose tasks need it; while it is down, the worker claims none of the jobs that wait for it.',
      labelNames: ['worker', 'host', 'dependency', 'target'],
      registers,
      async collect() {
        const { orphans } = await read();
        this.reset();
        for (const worker of orphans.liveWorkers) {
          for (const dependency of worker.dependencies) this.set({ worker: worker.id, host: worker.host, dependency: dependency.name, target: dependency.target }, dependency.up ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'conveyor_orphaned_jobs',
      help: 'Queued jobs no live worker serves, by queue, task and reason (queue-not-served, task-not-served).',
      labelNames: ['queue', 'task', 'reason'],
      registers,
      async collect() {
        const { orphans } = await read();
        this.reset();
        for (const group of orphans.jobs) this.set({ queue: group.queue, task: group.task, reason: group.reason }, group.count);
      },
    });
  }

  /** One read of the store shared by every gauge of a scrape, and by scrapes within `snapshotTtlMs`. */
  private readStore(): Promise<StoreSnapshot> {
    const now = Date.now();
    if (this.snapshot !== null && now - this.snapshot.takenAt < this.snapshotTtlMs) return this.snapshot.value;
    const value = withTimeout('reading metrics', this.storeTimeoutMs, async () => {
      const [counts, orphans] = await Promise.all([this.conveyor.insights.jobCounts(), this.conveyor.orphans()]);
      return { counts, orphans };
    });
    const snapshot = { takenAt: now, value };
    this.snapshot = snapshot;
    // A failed read is not kept: the next scrape asks the store again.
    value.catch(() => {
      if (this.snapshot === snapshot) this.snapshot = null;
    });
    return value;
  }
}

function attemptKey(job: Job): string {
  return `${job.id}:${job.attempt}`;
}

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics (text exposition format)',
  responses: {
    200: { description: 'Every Conveyor metric.', content: { 'text/plain': { schema: z.string() } } },
    503: { description: 'The store is unreachable or did not answer in time.' },
  },
});

/**
 * `GET /metrics`. Pass the `ConveyorMetrics` the process's workers are observed with; without one,
 * only the store gauges have values.
 *
 * @example
 * app.route('/', metricsRoutes(deps, metrics));
 */
export function metricsRoutes(deps: ServerDeps, metrics: ConveyorMetrics = new ConveyorMetrics(deps.conveyor)): OpenAPIHono<BlankEnv> {
  const app = new OpenAPIHono<BlankEnv>();
  // Served alone (tests, an embedder's own app), a bug still answers 500 in the API's error shape.
  app.onError((error, c) => respondToError(c, error, deps.logger));
  app.openapi(metricsRoute, async (c) => {
    try {
      const text = await metrics.metrics();
      return c.body(text, 200, { 'Content-Type': metrics.registry.contentType });
    } catch (error) {
      // Only an outage or a timeout (StoreTimeoutError is one) is a 503; anything else is a bug, a 500.
      if (!(error instanceof ConveyorStoreUnavailableError)) throw error;
      deps.logger.error({ err: error }, 'reading metrics failed: the store is unavailable');
      return errorResponse(c, 503, 'store_unavailable', `Metrics could not be read: ${error.message}`);
    }
  });
  return app;
}
