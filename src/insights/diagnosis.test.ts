/** The mapping from readiness and reports to findings: plain values in, findings out (no store is involved). */
import { describe, expect, it } from 'vitest';
import type { OrphanReport } from '../client/orphans.js';
import type { ScheduleRecord, WorkerRecord } from '../store/store.js';
import { diagnosisExitCode, failureFindings, jobFindings, overdueFindings, readinessFindings, sortFindings, type Finding } from './diagnosis.js';
import type { FailureGroupReport } from './failure-groups.js';
import type { QueueOverview } from './queue-overview.js';
import type { Readiness } from './readiness.js';

const now = new Date('2026-12-04T08:00:00Z');

function worker(overrides: Partial<WorkerRecord> = {}): WorkerRecord {
  return {
    id: 'w-1',
    host: 'box',
    pid: 42,
    queues: ['default'],
    tasks: ['email.send'],
    concurrency: 10,
    startedAt: new Date('2026-12-04T07:00:00Z'),
    lastHeartbeatAt: new Date('2026-12-04T07:59:59Z'),
    handlersIgnoringAbort: [],
    dependencies: [],
    taskShapes: [],
    ...overrides,
  };
}

function readiness(failing: Partial<Record<Readiness['checks'][number]['name'], string>>): Readiness {
  const names = ['store', 'migrations', 'live-worker', 'orphaned-jobs', 'stalled-workers', 'dependencies'] as const;
  const checks = names.map((name) => (failing[name] === undefined ? { name, ok: true, detail: `${name} fine` } : { name, ok: false, detail: failing[name] }));
  return { ready: checks.every((check) => check.ok), checks };
}

const context = (orphans: OrphanReport | null) => ({ storeUrl: 'postgres://app:***@db/app', orphans, now });

describe('readinessFindings', () => {
  it('turns every passing check into an ok finding in its area', () => {
    expect(readinessFindings(readiness({}), context({ jobs: [], stalledWorkers: [], liveWorkers: [worker()], queuedByTask: {} })).map((finding) => [finding.severity, finding.area, finding.check])).toEqual([
      ['ok', 'store', 'store'],
      ['ok', 'store', 'migrations'],
      ['ok', 'workers', 'live-worker'],
      ['ok', 'jobs', 'orphaned-jobs'],
      ['ok', 'workers', 'stalled-workers'],
      ['ok', 'workers', 'dependencies'],
    ]);
  });

  it('gives one finding per orphan group, with the fix that serves it', () => {
    const report: OrphanReport = {
      liveWorkers: [worker()],
      queuedByTask: {},
      stalledWorkers: [],
      jobs: [
        { task: 'image.resize', queue: 'media', count: 3, oldestCreatedAt: new Date('2026-12-04T07:30:00Z'), reason: 'queue-not-served' },
        { task: 'email.digest', queue: 'default', count: 1, oldestCreatedAt: new Date('2026-12-04T07:40:00Z'), reason: 'task-not-served' },
      ],
    };
    const findings = readinessFindings(readiness({ 'orphaned-jobs': '4 queued job(s) no live worker serves' }), context(report)).filter((finding) => finding.severity !== 'ok');
    expect(findings).toEqual([
      {
        severity: 'error',
        area: 'jobs',
        check: 'orphaned-jobs',
        cause: '3 job(s) of task "image.resize" wait in queue "media", which no live worker serves (oldest queued since 2026-12-04T07:30:00.000Z; live workers serve "default")',
        fix: 'start a worker whose module exports task "image.resize" (on queue "media"): `conveyor worker <module>` (a worker started with --queues must list it: --queues default,media); or, if "media" is a typo, fix the task\'s `queue` option and retry the jobs',
      },
      {
        severity: 'error',
        area: 'jobs',
        check: 'orphaned-jobs',
        cause: '1 job(s) of task "email.digest" wait in queue "default": its live worker(s) w-1 do not run that task (oldest queued since 2026-12-04T07:40:00.000Z)',
        fix: 'export task "email.digest" from the module the workers of queue "default" load and restart them, or start another worker whose module exports it: `conveyor worker <module> --queues default`',
      },
    ]);
  });

  it('warns of each stalled worker with host, pid and last heartbeat, and errs on each dependency down', () => {
    const down = { name: 'clamd', target: 'tcp://clamd:3310', up: false, since: new Date('2026-12-04T07:59:00Z'), checkedAt: now, lastError: 'connect ECONNREFUSED', tasks: ['file.scan'] };
    const report: OrphanReport = { jobs: [], queuedByTask: { 'file.scan': 3 }, liveWorkers: [worker({ dependencies: [down] })], stalledWorkers: [worker({ id: 'w-2', pid: 7, lastHeartbeatAt: new Date('2026-12-04T07:58:00Z') })] };
    const findings = readinessFindings(readiness({ 'stalled-workers': '1 worker(s) stopped heartbeating', dependencies: '1 dependency check(s) failing' }), context(report)).filter((finding) => finding.severity !== 'ok');
    expect(findings).toEqual([
      expect.objectContaining({ severity: 'warning', check: 'stalled-workers', cause: 'worker w-2 (host box, pid 7, queues default) stopped heartbeating: last heartbeat 2026-12-04T07:58:00.000Z, 120 s ago' }),
      expect.objectContaining({
        severity: 'error',
        check: 'dependencies',
        cause: 'dependency "clamd" at tcp://clamd:3310 is down for worker w-1 (host box, pid 42) since 2026-12-04T07:59:00.000Z (60 s): connect ECONNREFUSED; 3 queued job(s) of "file.scan" wait, no attempt burned',
      }),
    ]);
  });

  it('marks checks readiness could not run as skipped, and gives the store and migration fixes', () => {
    const findings = readinessFindings(
      readiness({ store: 'unreachable: connect ECONNREFUSED', migrations: 'not checked: the store did not answer', 'live-worker': 'not checked: the store did not answer' }),
      context(null),
    );
    expect(findings.slice(0, 3)).toEqual([
      { severity: 'error', area: 'store', check: 'store', cause: 'unreachable: connect ECONNREFUSED', fix: expect.stringContaining('check that the database at postgres://app:***@db/app is running') },
      { severity: 'skipped', area: 'store', check: 'migrations', cause: 'not checked: the store did not answer', fix: null },
      { severity: 'skipped', area: 'workers', check: 'live-worker', cause: 'not checked: the store did not answer', fix: null },
    ]);
    const newer = readinessFindings(readiness({ migrations: "the database is at version 13, newer than this package's 12; upgrade this server" }), context(null));
    expect(newer[1]).toMatchObject({ severity: 'error', fix: expect.stringMatching(/^upgrade conveyor on this host/) });
    const edited = readinessFindings(readiness({ migrations: 'Migration 3 checksum differs' }), context(null));
    expect(edited[1]).toMatchObject({ severity: 'error', fix: expect.stringContaining('an applied migration was edited or removed') });
  });
});

describe('jobFindings and failureFindings', () => {
  const queue = (name: string, paused: boolean, queued: number): QueueOverview =>
    ({ name, paused, pausedAt: paused ? new Date('2026-12-04T07:00:00Z') : null, depth: { queued }, running: 0 }) as unknown as QueueOverview;
  const schedule = (name: string, task: string, pausedAt: Date | null = null): ScheduleRecord =>
    ({ name, task, queue: 'default', cron: '0 3 * * *', pausedAt, nextRunAt: new Date('2026-12-05T03:00:00Z') }) as unknown as ScheduleRecord;

  it('warns of paused queues with a backlog and of active schedules no live worker runs', () => {
    const findings = jobFindings({
      queues: [queue('media', true, 5), queue('empty', true, 0), queue('default', false, 9)],
      schedules: [schedule('nightly', 'report.build'), schedule('served', 'email.send'), schedule('paused', 'report.build', now)],
      liveWorkers: [worker()],
    });
    expect(findings.filter((finding) => finding.severity !== 'ok')).toEqual([
      expect.objectContaining({ check: 'paused-queues', cause: 'queue "media" is paused since 2026-12-04T07:00:00.000Z with 5 queued job(s) waiting', fix: 'once whatever it was paused for is over: `conveyor queue resume media`' }),
      expect.objectContaining({ check: 'schedules', cause: expect.stringMatching(/^schedule "nightly" \(0 3 \* \* \*\) enqueues task "report\.build" on queue "default", which no live worker runs/) }),
    ]);
  });

  it('warns of failure groups that grew in the last hour only', () => {
    const group = (fingerprint: string, lastHour: number) => ({ fingerprint, lastSeenAt: new Date('2026-12-04T07:30:00Z'), lastHour, count: 5, failed: 1, dead: 4, tasks: ['email.send'], sample: { message: 'boom' } });
    const report = { groups: [group('aaaaaaaaaaaaaaaa', 2), group('bbbbbbbbbbbbbbbb', 0)], scanned: 10, capped: false, limit: 10_000 } as unknown as FailureGroupReport;
    expect(failureFindings(report)).toEqual([
      {
        severity: 'warning',
        area: 'jobs',
        check: 'failure-groups',
        cause: 'failure group aaaaaaaaaaaaaaaa grew by 2 job(s) in the last hour, to 5 (1 retrying, 4 dead; last 2026-12-04T07:30:00.000Z) of "email.send" with "boom"',
        fix: 'read the error with `conveyor failures`; once the cause is fixed, retry the group: `conveyor failures retry aaaaaaaaaaaaaaaa`',
      },
    ]);
    expect(failureFindings({ ...report, groups: report.groups.slice(1) })).toEqual([expect.objectContaining({ severity: 'ok', cause: 'no failure group grew in the last hour' })]);
  });
});

describe('overdueFindings (with --tasks)', () => {
  const tasks = [{ name: 'email.send', queue: 'default', input: null, timeoutMs: 30_000 }];
  const running = (id: string, task: string, startedAt: string) => ({ id, task, queue: 'default', workerId: 'w-1', startedAt: new Date(startedAt) });

  it('warns of a running job past its task timeout, ignoring tasks the module does not define', () => {
    const findings = overdueFindings([running('1', 'email.send', '2026-12-04T07:59:00Z'), running('2', 'email.send', '2026-12-04T07:59:45Z'), running('3', 'other.task', '2026-12-01T00:00:00Z')], tasks, now, false);
    expect(findings).toEqual([
      {
        severity: 'warning',
        area: 'jobs',
        check: 'running-past-timeout',
        cause: 'job 1 (task "email.send", queue "default") has run 60 s on worker w-1, past its task\'s timeoutMs of 30000 ms',
        fix: 'its worker should have aborted it: make the handler of "email.send" stop when `ctx.signal` aborts, or restart a hung worker; `conveyor cancel 1` asks it to stop',
      },
    ]);
    expect(overdueFindings([], tasks, now, false)).toEqual([expect.objectContaining({ severity: 'ok' })]);
  });

});

describe('sortFindings and diagnosisExitCode', () => {
  const finding = (severity: Finding['severity'], area: Finding['area'], check: string): Finding => ({ severity, area, check, cause: check, fix: null });

  it('puts the worst first, then config, store, workers, jobs', () => {
    const sorted = sortFindings([finding('ok', 'config', 'a'), finding('warning', 'jobs', 'b'), finding('error', 'jobs', 'c'), finding('skipped', 'store', 'd'), finding('error', 'store', 'e'), finding('warning', 'config', 'f')]);
    expect(sorted.map((item) => item.check)).toEqual(['e', 'c', 'f', 'b', 'd', 'a']);
  });

  it('exits 1 on an error, on a warning only when strict', () => {
    expect(diagnosisExitCode([finding('ok', 'config', 'a'), finding('skipped', 'store', 'b')], true)).toBe(0);
    expect(diagnosisExitCode([finding('warning', 'config', 'a')], false)).toBe(0);
    expect(diagnosisExitCode([finding('warning', 'config', 'a')], true)).toBe(1);
    expect(diagnosisExitCode([finding('error', 'jobs', 'a')], false)).toBe(1);
  });
});
