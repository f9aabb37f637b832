/**
 * Liveness and readiness (F7). `/health` answers while the process runs and touches nothing else, so
 * an orchestrator restarts only a process that is truly stuck. `/ready` asks whether jobs enqueued now
 * will run: the store answers, its schema is the one this package expects, some worker is heartbeating,
 * no queued job waits for a queue or task no live worker serves, and no worker has gone silent.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { BlankEnv } from 'hono/types';
import type { Conveyor } from '../conveyor.js';
import { ConveyorMigrationError } from '../errors.js';
import type { OrphanReport } from '../client/orphans.js';
import { ConveyorStoreFaultError } from '../store/store-fault.js';
import type { MigrationStatus, StoreWritability } from '../store/store.js';
import type { ServerDeps } from './deps.js';
import { errorMessage, withTimeout } from './with-timeout.js';

/** How long readiness waits for each store call before it reports the store unreachable, unless told otherwise. */
export const DEFAULT_READINESS_STORE_TIMEOUT_MS = 2_000;

export interface HealthRoutesOptions {
  /** How long `/ready` waits for each store call before it reports the store unreachable. @default 2000 */
  storeTimeoutMs?: number;
}

export const READINESS_CHECK_NAMES = ['store', 'migrations', 'live-worker', 'orphaned-jobs', 'stalled-workers'] as const;

const ReadinessCheckSchema = z
  .object({
    name: z.enum(READINESS_CHECK_NAMES).openapi({ description: 'Which condition was checked.' }),
    ok: z.boolean(),
    detail: z.string().openapi({ description: 'What was found, and on failure what is wrong.' }),
  })
  .openapi('ReadinessCheck');

const ReadinessSchema = z
  .object({
    ready: z.boolean().openapi({ description: 'True when every check is ok.' }),
    checks: z.array(ReadinessCheckSchema),
  })
  .openapi('Readiness');

const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

export type ReadinessCheck = z.infer<typeof ReadinessCheckSchema>;
export type Readiness = z.infer<typeof ReadinessSchema>;

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness: 200 while the process runs',
  responses: { 200: { description: 'The process is alive.', content: { 'application/json': { schema: HealthSchema } } } },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/ready',
  summary: 'Readiness: whether jobs enqueued now will run',
  responses: {
    200: { description: 'Every check passed.', content: { 'application/json': { schema: ReadinessSchema } } },
    503: { description: 'At least one check failed; each check says why.', content: { 'application/json': { schema: ReadinessSchema } } },
  },
});

/**
 * `GET /health` and `GET /ready`, as an `OpenAPIHono` app (a `Hono` whose routes join the OpenAPI
 * document of the app that mounts it).
 *
 * @example
 * app.route('/', healthRoutes(deps));
 */
export function healthRoutes(deps: ServerDeps, options: HealthRoutesOptions = {}): OpenAPIHono<BlankEnv> {
  const storeTimeoutMs = options.storeTimeoutMs ?? DEFAULT_READINESS_STORE_TIMEOUT_MS;
  const app = new OpenAPIHono<BlankEnv>();
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyRoute, async (c) => {
    const readiness = await checkReadiness(deps.conveyor, storeTimeoutMs);
    if (readiness.ready) return c.json(readiness, 200);
    deps.logger.warn({ failed: readiness.checks.filter((check) => !check.ok) }, 'not ready');
    return c.json(readiness, 503);
  });
  return app;
}

/** Run every readiness check; the store calls run in parallel, each bounded by `storeTimeoutMs`. */
export async function checkReadiness(conveyor: Conveyor, storeTimeoutMs: number, orphanReport: () => Promise<OrphanReport> = () => conveyor.orphans()): Promise<Readiness> {
  const startedAt = Date.now();
  const [migrations, orphans, writability] = await Promise.allSettled([
    withTimeout('conveyor.migrationStatus()', storeTimeoutMs, () => conveyor.migrationStatus()),
    withTimeout('conveyor.orphans()', storeTimeoutMs, orphanReport),
    withTimeout('store.storeWritableCheck()', storeTimeoutMs, () => conveyor.store.storeWritableCheck()),
  ]);
  // A migration history this package cannot use is an answer from the store, not a failure to reach it.
  const historyRefused = migrations.status === 'rejected' && migrations.reason instanceof ConveyorMigrationError;
  const storeErrors = [historyRefused ? null : migrations, orphans, writability].flatMap((result) => (result?.status === 'rejected' ? [result.reason as unknown] : []));
  const checks: ReadinessCheck[] = [
    storeCheck(storeErrors, writability.status === 'fulfilled' ? writability.value : null, Date.now() - startedAt),
    migrations.status === 'fulfilled' ? migrationCheck(migrations.value) : historyRefused ? { name: 'migrations', ok: false, detail: errorMessage(migrations.reason) } : notChecked('migrations'),
    ...(orphans.status === 'fulfilled' ? workerChecks(orphans.value, new Date()) : [notChecked('live-worker'), notChecked('orphaned-jobs'), notChecked('stalled-workers')]),
  ];
  return { ready: checks.every((check) => check.ok), checks };
}

/**
 * The store answered every call and would take a write; otherwise what it could not do. A store that
 * answers with a fault (full, corrupt, file lost) is not "unreachable": its message says what to do.
 */
function storeCheck(storeErrors: unknown[], writability: StoreWritability | null, elapsedMs: number): ReadinessCheck {
  const faults = [...new Set(storeErrors.filter((error) => error instanceof ConveyorStoreFaultError).map(errorMessage))];
  if (faults.length > 0) return { name: 'store', ok: false, detail: `cannot take writes: ${faults.join('; ')}` };
  if (storeErrors.length > 0) return { name: 'store', ok: false, detail: `unreachable: ${storeErrors.map(errorMessage).join('; ')}` };
  if (writability?.writable === false) return { name: 'store', ok: false, detail: `cannot take writes: ${writability.problem}` };
  return { name: 'store', ok: true, detail: `answered in ${elapsedMs} ms` };
}

function notChecked(name: ReadinessCheck['name']): ReadinessCheck {
  return { name, ok: false, detail: 'not checked: the store did not answer' };
}

function migrationCheck(status: MigrationStatus): ReadinessCheck {
  const { databaseVersion, packageVersion, pending } = status;
  if (pending.length > 0) {
    return { name: 'migrations', ok: false, detail: `the database is at version ${databaseVersion} and needs migrations ${pending.join(', ')} to reach ${packageVersion}; run \`conveyor migrate\`` };
  }
  if (databaseVersion > packageVersion) {
    return { name: 'migrations', ok: false, detail: `the database is at version ${databaseVersion}, newer than this package's ${packageVersion}; upgrade this server` };
  }
  return { name: 'migrations', ok: true, detail: `the database is at version ${databaseVersion}, the newest this package ships` };
}

/** Most orphan groups or stalled workers a detail names; the rest are counted. */
const MAX_NAMED = 5;

function workerChecks(report: OrphanReport, now: Date): ReadinessCheck[] {
  const { liveWorkers, stalledWorkers, jobs } = report;
  const queues = [...new Set(liveWorkers.flatMap((worker) => worker.queues))].sort();
  const orphanCount = jobs.reduce((sum, group) => sum + group.count, 0);
  return [
    liveWorkers.length > 0
      ? { name: 'live-worker', ok: true, detail: `${liveWorkers.length} live worker(s) serving queues ${queues.map(quote).join(', ')}` }
      : { name: 'live-worker', ok: false, detail: `no live worker: ${stalledWorkers.length === 0 ? 'none is registered' : `all ${stalledWorkers.length} registered worker(s) stopped heartbeating`}` },
    jobs.length === 0
      ? { name: 'orphaned-jobs', ok: true, detail: 'every queued job has a live worker that serves its queue and task' }
      : {
          name: 'orphaned-jobs',
          ok: false,
          detail: `${orphanCount} queued job(s) no live worker serves: ${named(
            jobs.map((group) => `${group.count} of task ${quote(group.task)} in queue ${quote(group.queue)} (${group.reason === 'queue-not-served' ? 'no live worker serves the queue' : 'no live worker of the queue runs the task'})`),
          )}`,
        },
    stalledWorkers.length === 0
      ? { name: 'stalled-workers', ok: true, detail: 'no registered worker has stopped heartbeating' }
      : {
          name: 'stalled-workers',
          ok: false,
          detail: `${stalledWorkers.length} worker(s) stopped heartbeating: ${named(
            stalledWorkers.map((worker) => `${worker.id} (${worker.host} pid ${worker.pid}, last heartbeat ${Math.round((now.getTime() - worker.lastHeartbeatAt.getTime()) / 1000)} s ago)`),
          )}`,
        },
  ];
}

function named(items: string[]): string {
  const shown = items.slice(0, MAX_NAMED).join('; ');
  return items.length > MAX_NAMED ? `${shown}; and ${items.length - MAX_NAMED} more` : shown;
}

function quote(name: string): string {
  return `"${name}"`;
}
