/**
 * Findings (issue 15): what `conveyor doctor` prints, one per thing checked, each with its severity,
 * its cause and its fix. The checks `/ready` and the dashboard's warnings run are not run again here:
 * their answer (`Readiness`, from `readiness.ts`) is turned into findings, with the orphan report it
 * read for the per-group fixes. What readiness does not cover (paused queues with a backlog,
 * schedules no live worker serves, handlers that ignore their abort) is read from the same reports.
 * Pure: no store call, so each mapping is unit-tested on plain values.
 */
import { dependenciesDown, waitingJobs } from './dependency-waits.js';
import { orphanFix } from './orphan-fix.js';
import type { OrphanGroup, OrphanReport } from '../client/orphans.js';
import type { ScheduleRecord, TaskShape, WorkerRecord } from '../store/store.js';
import type { FailureGroupReport } from './failure-groups.js';
import type { QueueOverview } from './queue-overview.js';
import type { Readiness, ReadinessCheck } from './readiness.js';

export const FINDING_SEVERITIES = ['error', 'warning', 'skipped', 'ok'] as const;

export interface Finding {
  /** `error` makes doctor exit 1; `warning` only with `--strict`; `skipped` says what could not be checked and why. */
  severity: (typeof FINDING_SEVERITIES)[number];
  area: 'config' | 'store' | 'workers' | 'jobs';
  /** Which check, kebab-case (`orphaned-jobs`), stable for scripts. */
  check: string;
  /** What was found; for `ok`, what was checked. */
  cause: string;
  /** What to do; null when nothing is to be done. */
  fix: string | null;
}

const AREA_ORDER: ReadonlyArray<Finding['area']> = ['config', 'store', 'workers', 'jobs'];

/** Worst first (errors, warnings, skipped, ok); within a severity, by area in the order config, store, workers, jobs; otherwise as given. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const rank = (finding: Finding): number => FINDING_SEVERITIES.indexOf(finding.severity) * AREA_ORDER.length + AREA_ORDER.indexOf(finding.area);
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => rank(a.finding) - rank(b.finding) || a.index - b.index)
    .map(({ finding }) => finding);
}

/** 1 on any error, and on any warning with `strict`; else 0. */
export function diagnosisExitCode(findings: readonly Finding[], strict: boolean): 0 | 1 {
  return findings.some((finding) => finding.severity === 'error' || (strict && finding.severity === 'warning')) ? 1 : 0;
}

export interface ReadinessFindingContext {
  /** The store URL tried, password redacted, for the fix of an unreachable store. */
  storeUrl: string;
  /** The orphan report readiness read (`insights.readiness({ orphanReport })`); null when it could not be read. */
  orphans: OrphanReport | null;
  now: Date;
}

/** Every readiness check as findings: one for a passing check, one per problem for a failing one. */
export function readinessFindings(readiness: Readiness, context: ReadinessFindingContext): Finding[] {
  return readiness.checks.flatMap((check) => checkFindings(check, context));
}

const NOT_CHECKED = 'not checked: ';

function checkFindings(check: ReadinessCheck, context: ReadinessFindingContext): Finding[] {
  const area = check.name === 'store' || check.name === 'migrations' ? 'store' : check.name === 'orphaned-jobs' ? 'jobs' : 'workers';
  if (check.ok) return [{ severity: 'ok', area, check: check.name, cause: check.detail, fix: null }];
  if (check.detail.startsWith(NOT_CHECKED)) return [{ severity: 'skipped', area, check: check.name, cause: check.detail, fix: null }];
  const error = (cause: string, fix: string | null): Finding => ({ severity: 'error', area, check: check.name, cause, fix });
  switch (check.name) {
    case 'store':
      return [error(check.detail, storeFix(check.detail, context.storeUrl))];
    case 'migrations':
      return [error(check.detail, migrationFix(check.detail))];
    case 'live-worker':
      return [error(check.detail, 'start a worker on this store: `conveyor worker <module>` (the module exports your tasks), with the same --store or CONVEYOR_STORE')];
    case 'orphaned-jobs':
      return context.orphans === null ? [error(check.detail, null)] : context.orphans.jobs.map((group) => orphanFinding(group, context.orphans!.liveWorkers));
    case 'stalled-workers':
      return context.orphans === null ? [{ ...error(check.detail, null), severity: 'warning' }] : context.orphans.stalledWorkers.map((worker) => stalledWorkerFinding(worker, context.now));
    case 'dependencies':
      return context.orphans === null ? [error(check.detail, null)] : dependencyFindings(context.orphans, context.now);
  }
}

function storeFix(detail: string, storeUrl: string): string {
  if (detail.startsWith('unreachable')) {
    return `check that the database at ${storeUrl} is running and reachable from this host, and that --store or CONVEYOR_STORE names the store your workers use`;
  }
  return 'see the cause: free disk space, make the file writable, or restore it from a backup, then run `conveyor doctor` again';
}

function migrationFix(detail: string): string {
  if (detail.includes('conveyor migrate')) return 'run `conveyor migrate` with the same --store (or CONVEYOR_STORE)';
  if (detail.includes('newer')) return 'upgrade conveyor on this host to the version that migrated the database (every process sharing a store runs one version)';
  return 'the migration history the database holds differs from the one this package ships (an applied migration was edited or removed): restore the database from a backup or the package version that applied it; do not edit applied migrations';
}

function orphanFinding(group: OrphanGroup, liveWorkers: readonly WorkerRecord[]): Finding {
  const since = `oldest queued since ${group.oldestCreatedAt.toISOString()}`;
  if (group.reason === 'queue-not-served') {
    const queuesServed = [...new Set(liveWorkers.flatMap((worker) => worker.queues))].sort();
    return {
      severity: 'error',
      area: 'jobs',
      check: 'orphaned-jobs',
      cause: `${group.count} job(s) of task "${group.task}" wait in queue "${group.queue}", which no live worker serves (${since}; live workers serve ${queuesServed.length === 0 ? 'no queue' : queuesServed.map(quote).join(', ')})`,
      fix: orphanFix(group, liveWorkers),
    };
  }
  const onQueue = liveWorkers.filter((worker) => worker.queues.includes(group.queue)).map((worker) => worker.id);
  return {
    severity: 'error',
    area: 'jobs',
    check: 'orphaned-jobs',
    cause: `${group.count} job(s) of task "${group.task}" wait in queue "${group.queue}": its live worker(s) ${onQueue.join(', ')} do not run that task (${since})`,
    fix: orphanFix(group, liveWorkers),
  };
}

function stalledWorkerFinding(worker: WorkerRecord, now: Date): Finding {
  return {
    severity: 'warning',
    area: 'workers',
    check: 'stalled-workers',
    cause: `worker ${worker.id} (host ${worker.host}, pid ${worker.pid}, queues ${worker.queues.join(', ')}) stopped heartbeating: last heartbeat ${worker.lastHeartbeatAt.toISOString()}, ${secondsAgo(worker.lastHeartbeatAt, now)} s ago`,
    fix: `if pid ${worker.pid} still runs on ${worker.host}, it is hung or cut off from the store: restart it. If it is gone, nothing to do: its running jobs are re-queued when their leases expire and its record is pruned after an hour`,
  };
}

function dependencyFindings({ liveWorkers, queuedByTask }: OrphanReport, now: Date): Finding[] {
  return dependenciesDown(liveWorkers).map(({ worker, dependency }) => ({
    severity: 'error' as const,
    area: 'workers' as const,
    check: 'dependencies',
    cause: `dependency "${dependency.name}" at ${dependency.target} is down for worker ${worker.id} (host ${worker.host}, pid ${worker.pid}) since ${dependency.since.toISOString()} (${secondsAgo(dependency.since, now)} s): ${dependency.lastError ?? 'no error recorded'}; ${waitingJobs(dependency.tasks, queuedByTask)} wait, no attempt burned`,
    fix: `bring ${dependency.target} back, or fix the network path from ${worker.host} to it; the worker checks again on its own and claims those jobs once it is up`,
  }));
}

export interface JobReports {
  queues: readonly QueueOverview[];
  schedules: readonly ScheduleRecord[];
  liveWorkers: readonly WorkerRecord[];
}

/** What readiness does not check: paused queues with a backlog, schedules no live worker serves, handlers ignoring their abort. */
export function jobFindings({ queues, schedules, liveWorkers }: JobReports): Finding[] {
  const pausedWithBacklog = queues.filter((queue) => queue.paused && queue.depth.queued > 0);
  const unserved = schedules.filter((schedule) => schedule.pausedAt === null && !liveWorkers.some((worker) => worker.queues.includes(schedule.queue) && worker.tasks.includes(schedule.task)));
  const ignoring = liveWorkers.flatMap((worker) => worker.handlersIgnoringAbort.map((handler) => ({ worker, handler })));
  return [
    ...(pausedWithBacklog.length === 0
      ? [ok('jobs', 'paused-queues', queues.some((queue) => queue.paused) ? 'every paused queue is empty' : 'no queue is paused')]
      : pausedWithBacklog.map(
          (queue): Finding => ({
            severity: 'warning',
            area: 'jobs',
            check: 'paused-queues',
            cause: `queue "${queue.name}" is paused${queue.pausedAt === null ? '' : ` since ${queue.pausedAt.toISOString()}`} with ${queue.depth.queued} queued job(s) waiting`,
            fix: `once whatever it was paused for is over: \`conveyor queue resume ${queue.name}\``,
          }),
        )),
    ...(unserved.length === 0
      ? [ok('jobs', 'schedules', schedules.length === 0 ? 'no schedules stored' : 'every active schedule has a live worker that runs its task on its queue')]
      : unserved.map(
          (schedule): Finding => ({
            severity: 'warning',
            area: 'jobs',
            check: 'schedules',
            cause: `schedule "${schedule.name}" (${schedule.cron}) enqueues task "${schedule.task}" on queue "${schedule.queue}", which no live worker runs: its next job, due ${schedule.nextRunAt.toISOString()}, will wait`,
            fix: `start a worker whose module exports task "${schedule.task}" on queue "${schedule.queue}", or pause the schedule: \`conveyor schedules pause ${schedule.name}\``,
          }),
        )),
    ...(ignoring.length === 0
      ? [ok('workers', 'handlers-ignoring-abort', 'no live worker reports a handler ignoring its abort')]
      : ignoring.map(
          ({ worker, handler }): Finding => ({
            severity: 'warning',
            area: 'workers',
            check: 'handlers-ignoring-abort',
            cause: `job ${handler.jobId} (task "${handler.task}", attempt ${handler.attempt}) on worker ${worker.id} (host ${worker.host}, pid ${worker.pid}) still runs after its abort (${handler.reason}) at ${handler.abortedAt.toISOString()}, holding a slot`,
            fix: `make the handler of "${handler.task}" stop when \`ctx.signal\` aborts (pass it to fetch and database calls, check it in loops)`,
          }),
        )),
  ];
}

/** Checks that could not run, each with why (e.g. the store did not answer). */
export function skippedFindings(checks: ReadonlyArray<Pick<Finding, 'area' | 'check'>>, why: string): Finding[] {
  return checks.map((check) => ({ ...check, severity: 'skipped', cause: `not checked: ${why}`, fix: null }));
}

export function ok(area: Finding['area'], check: string, cause: string): Finding {
  return { severity: 'ok', area, check, cause, fix: null };
}

function secondsAgo(time: Date, now: Date): number {
  return Math.round((now.getTime() - time.getTime()) / 1000);
}

function quote(name: string): string {
  return `"${name}"`;
}

/**
 * Failure groups that grew in the hour before the report (`lastHour`, counted from each job's latest
 * error): a cause still at work. A group whose jobs all failed earlier is history, shown by
 * `conveyor failures`, not a finding.
 */
export function failureFindings(report: FailureGroupReport): Finding[] {
  const growing = report.groups.filter((group) => group.lastHour > 0);
  if (growing.length === 0) return [ok('jobs', 'failure-groups', report.groups.length === 0 ? 'no failed or dead jobs' : 'no failure group grew in the last hour')];
  return growing.map((group) => ({
    severity: 'warning',
    area: 'jobs',
    check: 'failure-groups',
    cause: `failure group ${group.fingerprint} grew by ${group.lastHour} job(s) in the last hour, to ${group.count} (${group.failed} retrying, ${group.dead} dead; last ${group.lastSeenAt.toISOString()}) of ${group.tasks.map(quote).join(', ')} with "${group.sample.message}"${report.capped ? `, among the newest ${report.scanned} failures` : ''}`,
    fix: `read the error with \`conveyor failures\`; once the cause is fixed, retry the group: \`conveyor failures retry ${group.fingerprint}\``,
  }));
}

/** What doctor knows of a task from the module given to `--tasks`: its shape (queue, input) and its timeout. */
export interface TaskDefinition extends TaskShape {
  timeoutMs: number;
}

/** A running job as the overdue check reads it. */
export interface RunningJob {
  id: string;
  task: string;
  queue: string;
  workerId: string | null;
  startedAt: Date | null;
}

/**
 * Running jobs whose attempt started longer ago than their task's `timeoutMs` (as the module defines
 * it): the worker should have aborted them, so the handler ignores its signal or the worker is hung.
 */
export function overdueFindings(running: readonly RunningJob[], tasks: readonly TaskDefinition[], now: Date, capped: boolean): Finding[] {
  const timeouts = new Map(tasks.map((task) => [task.name, task.timeoutMs]));
  const overdue = running.flatMap((job) => {
    const timeoutMs = timeouts.get(job.task);
    if (timeoutMs === undefined || job.startedAt === null || now.getTime() - job.startedAt.getTime() <= timeoutMs) return [];
    return [{ job, timeoutMs }];
  });
  const among = capped ? ` among the newest ${running.length} running jobs` : '';
  if (overdue.length === 0) return [ok('jobs', 'running-past-timeout', `no running job of the module's tasks has run past its timeoutMs${among}`)];
  return overdue.map(({ job, timeoutMs }) => ({
    severity: 'warning',
    area: 'jobs',
    check: 'running-past-timeout',
    cause: `job ${job.id} (task "${job.task}", queue "${job.queue}") has run ${secondsAgo(job.startedAt!, now)} s on worker ${job.workerId ?? '(none)'}, past its task's timeoutMs of ${timeoutMs} ms${among}`,
    fix: `its worker should have aborted it: make the handler of "${job.task}" stop when \`ctx.signal\` aborts, or restart a hung worker; \`conveyor cancel ${job.id}\` asks it to stop`,
  }));
}
