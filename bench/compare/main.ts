/**
 * `npm run bench:compare`: Conveyor (SQLite, PostgreSQL) against BullMQ, graphile-worker and pg-boss
 * on the same machine, in one run, on the same workloads, with the raw floors of each store beside
 * them. Prints the tables and writes bench/results/<date>.md. `npm run bench:compare -- --help`.
 */
import { Command, InvalidArgumentError } from 'commander';
import { removeDatabases } from '../shared.js';
import { RunContext, type Workload } from './context.js';
import { killWorkerProcesses } from './fleet.js';
import { goalSections } from './goals.js';
import { machineInfo } from './machine.js';
import { closeAdminPools, dropLeftoverSchemas } from './postgres-admin.js';
import { renderReport, SYSTEM_SETTINGS, today, writeReport } from './report.js';
import { DEFAULT_SETTINGS, FULL_SETTINGS, QUICK_SETTINGS, WORKLOADS, type CompareSettings, type Workload as WorkloadName } from './settings.js';
import type { Environment } from './system.js';
import { loadSystem, SYSTEM_KEYS, type LoadedSystem } from './systems.js';
import { enqueueWorkload } from './workloads/enqueue.js';
import { drainWorkload, processesWorkload } from './workloads/drain.js';
import { cancelWorkload } from './workloads/cancel.js';
import { idleWorkload } from './workloads/idle.js';
import { latencyWorkload } from './workloads/latency.js';
import { memoryWorkload } from './workloads/memory.js';
import { scaleWorkload } from './workloads/scale.js';

const BUILDERS: Record<WorkloadName, (run: RunContext) => Workload> = {
  enqueue: enqueueWorkload,
  drain: drainWorkload,
  processes: processesWorkload,
  latency: latencyWorkload,
  cancel: cancelWorkload,
  idle: idleWorkload,
  scale: scaleWorkload,
  memory: memoryWorkload,
};

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('Give a whole number ≥ 1.');
  return parsed;
}

function listOf(known: readonly string[]): (value: string) => string[] {
  return (value) => {
    const items = value.split(',').map((item) => item.trim().toLowerCase()).filter((item) => item !== '');
    const unknown = items.filter((item) => !known.includes(item));
    if (unknown.length > 0 || items.length === 0) throw new InvalidArgumentError(`Give a comma-separated list of: ${known.join(', ')}.`);
    return items;
  };
}

const program = new Command()
  .name('npm run bench:compare --')
  .description('Conveyor against BullMQ, graphile-worker and pg-boss, side by side, with raw store floors.')
  .option('--jobs <count>', `jobs per bulk enqueue and per drain (default ${DEFAULT_SETTINGS.jobs}; the issue's figure is 50000)`, positiveInteger)
  .option('--rounds <count>', `interleaved rounds; tables show medians (default ${DEFAULT_SETTINGS.rounds})`, positiveInteger)
  .option('--latency-jobs <count>', `latency jobs per run (default ${DEFAULT_SETTINGS.latencyJobs})`, positiveInteger)
  .option('--quick', 'small sizes and 1 round, to check that everything runs')
  .option('--full', 'the issue\'s scale and memory sizes: 1,000,000 queued, 5,000,000 finished, RSS after 1,000,000 jobs (adds many minutes)')
  .option('--only <workloads>', `run only these: ${WORKLOADS.join(', ')}`, listOf(WORKLOADS))
  .option('--systems <systems>', `compare only these: ${SYSTEM_KEYS.join(', ')}`, listOf(SYSTEM_KEYS))
  .option('--postgres <url>', 'PostgreSQL server for every PostgreSQL system (fresh schemas, dropped after)', 'postgres://postgres@127.0.0.1:5432/postgres')
  .option('--redis <url>', 'Redis server for BullMQ (fresh key prefixes, deleted after)', 'redis://127.0.0.1:6379')
  .showHelpAfterError('(npm run bench:compare -- --help lists the options)')
  .parse();

interface Options {
  jobs?: number;
  rounds?: number;
  latencyJobs?: number;
  quick?: boolean;
  full?: boolean;
  only?: WorkloadName[];
  systems?: string[];
  postgres: string;
  redis: string;
}
const options = program.opts<Options>();
const explicit: Partial<CompareSettings> = {
  ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
  ...(options.rounds === undefined ? {} : { rounds: options.rounds }),
  ...(options.latencyJobs === undefined ? {} : { latencyJobs: options.latencyJobs }),
};
const settings: CompareSettings = { ...DEFAULT_SETTINGS, ...(options.quick === true ? QUICK_SETTINGS : {}), ...(options.full === true ? FULL_SETTINGS : {}), ...explicit };
const environment: Environment = { postgresUrl: options.postgres, redisUrl: options.redis };
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Load and check each system; one that cannot run here is skipped with one line. */
async function usableSystems(keys: string[]): Promise<{ systems: LoadedSystem[]; skipped: string[] }> {
  const systems: LoadedSystem[] = [];
  const skipped: string[] = [];
  for (const key of keys) {
    try {
      const system = await loadSystem(key);
      await system.definition.check(environment);
      systems.push(system);
    } catch (error) {
      const line = `${key}: ${(error as Error).message.split('\n')[0]}`;
      log(`skipping ${line}`);
      skipped.push(line);
    }
  }
  return { systems, skipped };
}

const started = performance.now();
const { systems, skipped } = await usableSystems(SYSTEM_KEYS.filter((key) => options.systems?.includes(key) ?? true));
const run = new RunContext(settings, environment, systems);

// Ctrl-C: stop the worker processes (a graphile-worker starting up would create its schema again
// after a drop), let the measurement under way fail or finish and drop its own state, then clean up.
process.on('SIGINT', interrupted);
process.on('SIGTERM', interrupted);
function interrupted(signal: NodeJS.Signals): void {
  killWorkerProcesses();
  if (run.aborted) process.exit(130);
  run.aborted = true;
  process.exitCode = 130;
  log(`\n${signal}: worker processes stopped; finishing the measurement under way, then dropping this run's state (again to quit at once)`);
}

/** Every round of every workload, then the once-per-run ones. False when interrupted: the tables are partial. */
async function measureAll(workloads: Map<WorkloadName, Workload>): Promise<boolean> {
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  for (let round = 1; round <= settings.rounds; round++) {
    for (const [name, workload] of workloads) {
      if (run.aborted) return false;
      if (workload.round === undefined) continue;
      await workload.round(round);
      log(`round ${round}/${settings.rounds}: ${name} done after ${elapsed()}`);
    }
  }
  for (const [name, workload] of workloads) {
    if (run.aborted) return false;
    if (workload.once === undefined) continue;
    await workload.once();
    log(`${name} done after ${elapsed()}`);
  }
  return !run.aborted;
}

try {
  const families = new Set(systems.map((system) => system.definition.family));
  const machine = await machineInfo(environment, { postgres: families.has('postgres'), redis: families.has('redis') }, options.quick !== true);
  const selected = options.only ?? [...WORKLOADS];
  const workloads = new Map(WORKLOADS.filter((name) => selected.includes(name)).map((name) => [name, BUILDERS[name](run)] as const));
  if (await measureAll(workloads)) {
    const date = today();
    const report = renderReport({
      date,
      command: `npm run bench:compare${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      machine,
      settings: systems.map((system) => SYSTEM_SETTINGS[system.key] ?? system.definition.name),
      skipped,
      tables: [...workloads.values()].flatMap((workload) => workload.tables),
      goals: goalSections(Object.fromEntries([...workloads].map(([name, workload]) => [name, workload.tables[0]]))),
      elapsedSeconds: (performance.now() - started) / 1000,
    });
    process.stdout.write(`\n${report}\n`);
    const suffixes = [...(options.quick === true ? ['quick'] : []), ...(options.only ?? []), ...(options.systems ?? [])];
    log(`written to ${writeReport(date, suffixes, report)}`);
  }
} finally {
  await run.close();
  await dropLeftoverSchemas();
  await closeAdminPools();
  removeDatabases();
}
