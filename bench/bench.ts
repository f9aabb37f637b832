/**
 * `npm run bench`: Conveyor against the raw floor of its store. Without options it benches SQLite on
 * fresh temporary files; `npm run bench -- --store postgres://…` benches PostgreSQL in fresh schemas.
 * `npm run bench -- --help` lists the options.
 */
import { Command, InvalidArgumentError } from 'commander';
import { parseStoreUrl } from '../src/config.js';
import { ConveyorConfigError } from '../src/errors.js';
import { BenchSetupError } from './setup-error.js';
import { DEFAULT_BENCH_SETTINGS, type BenchSettings } from './settings.js';

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('Give a whole number ≥ 1.');
  return parsed;
}

function postgresUrl(value: string): string {
  let dialect: string;
  try {
    dialect = parseStoreUrl(value, '--store').dialect;
  } catch (error) {
    if (error instanceof ConveyorConfigError) throw new InvalidArgumentError(`The URL ${error.problem}. Example: postgres://postgres@127.0.0.1:5432/postgres`);
    throw error;
  }
  if (dialect !== 'postgres') throw new InvalidArgumentError('Only a postgres:// URL is taken here; run without --store to bench SQLite (on temporary files).');
  return value;
}

const defaults = DEFAULT_BENCH_SETTINGS;
const program = new Command()
  .name('npm run bench --')
  .description('Conveyor against the raw floor of its store: the same statements, issued directly. SQLite unless --store is given.')
  .option('--store <url>', 'bench PostgreSQL at this postgres:// URL (each run in a fresh schema bench_<pid>_<n>, dropped afterwards; a ?schema= in the URL is replaced)', postgresUrl)
  .option('--rounds <count>', 'interleaved rounds; the table shows medians', positiveInteger, defaults.rounds)
  .option('--jobs <count>', 'jobs per bulk enqueue and per drain', positiveInteger, defaults.bulkJobs)
  .option('--latency-jobs <count>', `single enqueues per latency run, at ${defaults.latencyPerSecond}/s`, positiveInteger, defaults.latencyJobs)
  .showHelpAfterError('(npm run bench -- --help lists the options)')
  .parse();

const options = program.opts<{ store?: string; rounds: number; jobs: number; latencyJobs: number }>();
const settings: BenchSettings = { ...defaults, rounds: options.rounds, bulkJobs: options.jobs, drainJobs: options.jobs, latencyJobs: options.latencyJobs };

try {
  if (options.store === undefined) {
    const { runSqliteBench } = await import('./sqlite-bench.js');
    await runSqliteBench(settings);
  } else {
    const { runPostgresBench } = await import('./postgres/postgres-bench.js');
    await runPostgresBench(options.store, settings);
  }
} catch (error) {
  if (!(error instanceof BenchSetupError)) throw error;
  process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 1;
}
