/**
 * `conveyor doctor`: checks the configuration and the live system and prints each finding with its
 * severity, cause and fix, worst first. Exit 1 on any error (and on any warning with `--strict`).
 *
 * The store is opened unmigrated and probed first (does it answer, is its schema current), so doctor
 * works, and says what it could not check, against a store that is down or behind. The worker and job
 * checks are `conveyor.insights.readiness()` — what `/ready` and the dashboard run — turned into
 * findings by `src/insights/diagnosis.ts`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { OrphanReport } from '../client/orphans.js';
import { parseStoreUrl } from '../config.js';
import { Conveyor } from '../conveyor.js';
import { diagnosisExitCode, failureFindings, FINDING_SEVERITIES, jobFindings, overdueFindings, readinessFindings, skippedFindings, sortFindings, type Finding, type TaskDefinition } from '../insights/diagnosis.js';
import { taskDefinitionFindings, taskShapeFindings } from '../insights/task-definitions.js';
import { checkReadiness, DEFAULT_READINESS_STORE_TIMEOUT_MS, type ReadinessCheck } from '../insights/readiness.js';
import { errorMessage, withTimeout } from '../insights/with-timeout.js';
import { openStore } from '../store/open-store.js';
import { taskShape } from '../task-shape.js';
import type { Store } from '../store/store.js';
import { diagnoseConfig } from './doctor-config.js';
import { loadTaskModule } from './load-tasks.js';
import { integerOption } from './parse-options.js';
import type { GlobalOptions } from './store.js';

interface DoctorOptions {
  json?: boolean;
  strict?: boolean;
  queues?: string;
  tasks?: string;
  timeoutMs: number;
}

/** The checks that need the tasks module (`--tasks`). */
const TASK_CHECKS: Array<Pick<Finding, 'area' | 'check'>> = [
  { area: 'jobs', check: 'running-past-timeout' },
  { area: 'config', check: 'task-definitions' },
];

/** The checks past the store's own, skipped together when the store cannot be read. */
const LIVE_CHECKS: ReadonlyArray<Pick<Finding, 'area' | 'check'>> = [
  { area: 'workers', check: 'live-worker' },
  { area: 'workers', check: 'stalled-workers' },
  { area: 'workers', check: 'dependencies' },
  { area: 'workers', check: 'handlers-ignoring-abort' },
  { area: 'jobs', check: 'orphaned-jobs' },
  { area: 'jobs', check: 'paused-queues' },
  { area: 'jobs', check: 'schedules' },
  { area: 'jobs', check: 'failure-groups' },
  { area: 'config', check: 'task-shapes' },
  ...TASK_CHECKS,
];

/** Running jobs read for the overdue check; past it the finding says it read the newest only. */
const RUNNING_JOBS_READ = 500;

const NO_WORKERS: OrphanReport = { jobs: [], stalledWorkers: [], liveWorkers: [], queuedByTask: {} };

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      'check the configuration (store URL, API tokens, rate limits… as `serve` reads them) and the live system (store, migrations, workers, dependencies, orphaned jobs, paused queues, schedules, failures); ' +
        'print each finding worst first with its cause and fix; exit 1 on any error',
    )
    .option('--json', 'print the findings as JSON')
    .option('--strict', 'exit 1 on warnings too')
    .option('--queues <a,b>', "also check a worker's --queues list (repeated or empty entries)")
    .option('--tasks <module>', "your tasks module: also check running jobs against each task's timeoutMs, and tasks live workers define on another queue")
    .option('--timeout-ms <ms>', 'how long each store call may take before the store counts as unreachable (default: 2000)', integerOption('2000'), DEFAULT_READINESS_STORE_TIMEOUT_MS)
    .action(async (options: DoctorOptions, command: Command) => {
      const config = diagnoseConfig({ storeOption: command.optsWithGlobals<GlobalOptions>().store, env: process.env, queues: options.queues });
      const tasks = options.tasks === undefined ? null : (await loadTaskModule(options.tasks)).tasks.map((task) => ({ ...taskShape(task), timeoutMs: task.timeoutMs }));
      const live = config.store === null ? storeSkipped('the store URL is invalid (see config/store-url)') : await diagnoseStore(config.store, tasks, options.timeoutMs);
      const findings = sortFindings([...config.findings, ...live]);
      const exitCode = diagnosisExitCode(findings, options.strict === true);
      const storeUrl = config.store?.redacted ?? null;
      process.stdout.write(options.json === true ? `${JSON.stringify({ ok: exitCode === 0, store: storeUrl, summary: summarize(findings), findings }, null, 2)}\n` : formatFindings(storeUrl, findings));
      process.exitCode = exitCode;
    });
}

function storeSkipped(why: string): Finding[] {
  return skippedFindings([{ area: 'store', check: 'store' }, { area: 'store', check: 'migrations' }, ...LIVE_CHECKS], why);
}

/** Open the store unmigrated, probe it with readiness's own store and migration checks, then run the rest if it is usable. */
async function diagnoseStore(location: { url: string; setting: string; redacted: string }, tasks: TaskDefinition[] | null, timeoutMs: number): Promise<Finding[]> {
  const parsed = parseStoreUrl(location.url, location.setting);
  // Opening a SQLite file that is not there would create it: a check must not make the store it checks.
  if (parsed.dialect === 'sqlite' && parsed.path !== ':memory:' && !existsSync(parsed.path)) {
    return [
      {
        severity: 'error',
        area: 'store',
        check: 'store',
        cause: `unreachable: the SQLite file ${resolve(parsed.path)} does not exist`,
        fix: `point --store or CONVEYOR_STORE at the file your workers use, or create it with \`conveyor migrate\``,
      },
      ...skippedFindings([{ area: 'store', check: 'migrations' }, ...LIVE_CHECKS], 'the store file does not exist'),
    ];
  }
  let store: Store;
  try {
    store = await openStore(parsed);
  } catch (error) {
    const failed = Promise.reject(error);
    failed.catch(() => {});
    const readiness = await checkReadiness({ migrationStatus: () => failed, storeWritability: () => failed, orphans: () => failed }, timeoutMs);
    return [...readinessFindings({ ...readiness, checks: storeChecks(readiness.checks) }, { storeUrl: location.redacted, orphans: null, now: new Date() }), ...skippedFindings(LIVE_CHECKS, 'the store could not be opened')];
  }
  const probe = await checkReadiness({ migrationStatus: () => store.migrations.status(), storeWritability: () => store.storeWritableCheck(), orphans: async () => NO_WORKERS }, timeoutMs);
  const [storeCheck, migrationCheck] = storeChecks(probe.checks);
  if (storeCheck?.ok !== true || migrationCheck?.ok !== true) {
    await store.close();
    const why = storeCheck?.ok !== true ? 'the store did not answer' : "the store's schema is not the one this package reads (see store/migrations)";
    return [...readinessFindings({ ...probe, checks: storeChecks(probe.checks) }, { storeUrl: location.redacted, orphans: null, now: new Date() }), ...skippedFindings(LIVE_CHECKS, why)];
  }
  const conveyor = await Conveyor.open({ store, migrate: false });
  try {
    return await liveFindings(conveyor, location.redacted, tasks, timeoutMs);
  } finally {
    await conveyor.close();
  }
}

function storeChecks(checks: readonly ReadinessCheck[]): ReadinessCheck[] {
  return checks.filter((check) => check.name === 'store' || check.name === 'migrations');
}

/** Readiness as `/ready` runs it (sharing its orphan report), then what readiness does not cover. */
async function liveFindings(conveyor: Conveyor, storeUrl: string, tasks: TaskDefinition[] | null, timeoutMs: number): Promise<Finding[]> {
  let orphans: OrphanReport | null = null;
  const readiness = await conveyor.insights.readiness({ storeTimeoutMs: timeoutMs, orphanReport: async () => (orphans = await conveyor.orphans()) });
  const now = new Date();
  const found = readinessFindings(readiness, { storeUrl, orphans, now });
  if (orphans === null) return [...found, ...skippedFindings(LIVE_CHECKS.filter(notReadiness), 'the store did not answer')];
  const { liveWorkers } = orphans as OrphanReport;
  const bounded = <T>(what: string, read: () => Promise<T>, use: (value: T) => Finding[], checks: Array<Pick<Finding, 'area' | 'check'>>): Promise<Finding[]> =>
    withTimeout(what, timeoutMs, read).then(use, (error: unknown) => skippedFindings(checks, `${what} failed: ${errorMessage(error)}`));
  const noTasks = skippedFindings(TASK_CHECKS, 'no tasks module given; pass --tasks <module> to check them');
  const more = await Promise.all([
    bounded('conveyor.insights.queueOverviews()', () => conveyor.insights.queueOverviews(now), (queues) => jobFindings({ queues, schedules: [], liveWorkers }).filter((finding) => finding.check === 'paused-queues'), [{ area: 'jobs', check: 'paused-queues' }]),
    bounded('conveyor.schedules.list()', () => conveyor.schedules.list(), (schedules) => jobFindings({ queues: [], schedules, liveWorkers }).filter((finding) => finding.check !== 'paused-queues'), [{ area: 'jobs', check: 'schedules' }, { area: 'workers', check: 'handlers-ignoring-abort' }]),
    bounded('conveyor.insights.failureGroups()', () => conveyor.insights.failureGroups(), (failures) => failureFindings(failures), [{ area: 'jobs', check: 'failure-groups' }]),
    tasks === null
      ? Promise.resolve(noTasks)
      : bounded('conveyor.listJobs({ states: [running] })', () => conveyor.listJobs({ states: ['running'] }, { limit: RUNNING_JOBS_READ }), (page) => [...overdueFindings(page.jobs, tasks, now, page.nextCursor !== null), ...taskDefinitionFindings(tasks, liveWorkers)], TASK_CHECKS),
  ]);
  return [...found, ...taskShapeFindings(liveWorkers), ...more.flat()];
}

function notReadiness(check: Pick<Finding, 'check'>): boolean {
  return !['live-worker', 'stalled-workers', 'dependencies', 'orphaned-jobs'].includes(check.check);
}

function summarize(findings: readonly Finding[]): Record<Finding['severity'], number> {
  return Object.fromEntries(FINDING_SEVERITIES.map((severity) => [severity, findings.filter((finding) => finding.severity === severity).length])) as Record<Finding['severity'], number>;
}

const LABEL: Record<Finding['severity'], string> = { error: 'ERROR', warning: 'WARNING', skipped: 'SKIPPED', ok: 'ok' };

/** One line per finding (`ERROR    jobs/orphaned-jobs  cause`), its fix indented below, then a summary. */
export function formatFindings(storeUrl: string | null, findings: readonly Finding[]): string {
  const width = Math.max(...findings.map((finding) => `${finding.area}/${finding.check}`.length));
  const lines = findings.flatMap((finding) => [
    `${LABEL[finding.severity].padEnd(8)} ${`${finding.area}/${finding.check}`.padEnd(width)}  ${finding.cause}`,
    ...(finding.fix === null ? [] : [`${' '.repeat(9 + width)}  fix: ${finding.fix}`]),
  ]);
  const summary = summarize(findings);
  return [`conveyor doctor: store ${storeUrl ?? '(invalid URL)'}`, ...lines, `${summary.error} error(s), ${summary.warning} warning(s), ${summary.skipped} skipped, ${summary.ok} ok`, ''].join('\n');
}
