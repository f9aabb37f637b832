/**
 * Readiness (F7): whether jobs enqueued now will run. The store answers and would take a write, its
 * schema is the one this package expects, some worker is heartbeating, no queued job waits for a
 * queue or task no live worker serves, no worker has gone silent, and no live worker finds a service
 * its tasks need down (their jobs wait until it is back). `GET /ready` answers with it;
 * the dashboard's overview shows its failed checks as warnings.
 */
import { dependenciesDown, waitingJobs } from './dependency-waits.js';
import type { OrphanReport } from '../client/orphans.js';
import { orphanFix } from './orphan-fix.js';
import { ConveyorMigrationError } from '../errors.js';
import { ConveyorStoreFaultError } from '../store/store-fault.js';
import type { MigrationStatus, StoreWritability } from '../store/store.js';
import { errorMessage, withTimeout } from './with-timeout.js';

/** How long readiness waits for each store call before it reports the store unreachable, unless told otherwise. */
export const DEFAULT_READINESS_STORE_TIMEOUT_MS = 2_000;

export const READINESS_CHECK_NAMES = ['store', 'migrations', 'live-worker', 'orphaned-jobs', 'stalled-workers', 'dependencies'] as const;

export interface ReadinessCheck {
  /** Which condition was checked. */
  name: (typeof READINESS_CHECK_NAMES)[number];
  ok: boolean;
  /** What was found, and on failure what is wrong. */
  detail: string;
}

export interface Readiness {
  /** True when every check is ok. */
  ready: boolean;
  checks: ReadinessCheck[];
}

/** The Conveyor calls readiness is made of. */
export interface ReadinessSources {
  migrationStatus(): Promise<MigrationStatus>;
  orphans(): Promise<OrphanReport>;
  storeWritability(): Promise<StoreWritability>;
}

/**
 * Run every readiness check; the store calls run in parallel, each bounded by `storeTimeoutMs`.
 * `orphanReport` lets a caller that needs the report anyway share one read.
 */
export async function checkReadiness(sources: ReadinessSources, storeTimeoutMs: number, orphanReport: () => Promise<OrphanReport> = () => sources.orphans()): Promise<Readiness> {
  const startedAt = Date.now();
  const [migrations, orphans, writability] = await Promise.allSettled([
    withTimeout('conveyor.migrationStatus()', storeTimeoutMs, () => sources.migrationStatus()),
    withTimeout('conveyor.orphans()', storeTimeoutMs, orphanReport),
    withTimeout('store.storeWritableCheck()', storeTimeoutMs, () => sources.storeWritability()),
  ]);
  // A migration history this package cannot use is an answer from the store, not a failure to reach it.
  const historyRefused = migrations.status === 'rejected' && migrations.reason instanceof ConveyorMigrationError;
  const storeErrors = [historyRefused ? null : migrations, orphans, writability].flatMap((result) => (result?.status === 'rejected' ? [result.reason as unknown] : []));
  const checks: ReadinessCheck[] = [
    storeCheck(storeErrors, writability.status === 'fulfilled' ? writability.value : null, Date.now() - startedAt),
    migrations.status === 'fulfilled' ? migrationCheck(migrations.value) : historyRefused ? { name: 'migrations', ok: false, detail: errorMessage(migrations.reason) } : notChecked('migrations'),
    ...(orphans.status === 'fulfilled' ? workerChecks(orphans.value, new Date()) : [notChecked('live-worker'), notChecked('orphaned-jobs'), notChecked('stalled-workers'), notChecked('dependencies')]),
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
  // The calls fail alike when the store is down: say it once.
  if (storeErrors.length > 0) return { name: 'store', ok: false, detail: `unreachable: ${[...new Set(storeErrors.map(errorMessage))].join('; ')}` };
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
            jobs.map(
              (group) =>
                `${group.count} of task ${quote(group.task)} in queue ${quote(group.queue)} (${group.reason === 'queue-not-served' ? 'no live worker serves the queue' : 'no live worker of the queue runs the task'}; fix: ${orphanFix(group, liveWorkers)})`,
            ),
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
    dependencyCheck(report, now),
  ];
}

/** Fails while a live worker finds a dependency of its tasks down: it claims none of the jobs that wait for it. */
function dependencyCheck({ liveWorkers, queuedByTask }: OrphanReport, now: Date): ReadinessCheck {
  const down = dependenciesDown(liveWorkers);
  const checked = new Set(liveWorkers.flatMap((worker) => worker.dependencies.map((dependency) => dependency.name)));
  if (down.length === 0) return { name: 'dependencies', ok: true, detail: checked.size === 0 ? 'no live worker declares dependencies' : `every dependency is up: ${[...checked].sort().map(quote).join(', ')}` };
  return {
    name: 'dependencies',
    ok: false,
    detail: `${down.length} dependency check(s) failing, jobs of their tasks wait: ${named(
      down.map(({ worker, dependency }) => `${quote(dependency.name)} at ${dependency.target} down for ${Math.round((now.getTime() - dependency.since.getTime()) / 1000)} s on worker ${worker.id} (${worker.host}): ${dependency.lastError ?? 'no error recorded'}; needed by ${dependency.tasks.join(', ')}, waiting: ${waitingJobs(dependency.tasks, queuedByTask)}`),
    )}`,
  };
}

function named(items: string[]): string {
  const shown = items.slice(0, MAX_NAMED).join('; ');
  return items.length > MAX_NAMED ? `${shown}; and ${items.length - MAX_NAMED} more` : shown;
}

function quote(name: string): string {
  return `"${name}"`;
}
