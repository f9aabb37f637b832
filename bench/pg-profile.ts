/**
 * Where a Conveyor drain on PostgreSQL spends its work, per job, as worker processes are added
 * (issue 18): `npx tsx bench/pg-profile.ts [--jobs 20000] [--processes 1,2,4] [--concurrency 10]
 * [--rounds 1] [--cpu-profile] [--system graphile-worker] [--without-event-log]`.
 *
 * Each measurement seeds `--jobs` no-op jobs into a fresh schema (the comparison's Conveyor adapter,
 * prefetch 100), ANALYZEs, then drains them with `P` worker processes of the comparison's fleet. The
 * worker processes preload `profile/query-counter.mjs`, which counts their statements by kind, the
 * claims that came back empty, the NOTIFYs they received, and their CPU time. Beside that, the bench
 * reads the server: row versions written per table (`pg_stat_user_tables`), buffers touched
 * (`pg_statio_*`), WAL (`pg_stat_wal`, cluster-wide), commits (`pg_stat_database`, database-wide),
 * and the CPU time of the workers' own backends (`/proc/<pid>/stat`; the preload lists their pids).
 * pg_stat_statements is not loaded on this server (it needs `shared_preload_libraries` and a
 * restart), hence the counting in the client.
 *
 * Counts are what to compare: timings on a 2-core machine shared with other work are noise.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadSystem, type LoadedSystem } from './compare/systems.js';
import { untilNothingPending, drainTimeoutMs } from './compare/drain-run.js';
import { ProcessFleet } from './compare/fleet.js';
import { closeAdminPools, quoteIdentifier } from './compare/postgres-admin.js';
import type { Environment, QueueSystem } from './compare/system.js';

const PRELOAD = fileURLToPath(new URL('./profile/query-counter.mjs', import.meta.url));
const CLOCK_TICKS_PER_S = 100;
const SAMPLE_EVERY_MS = 50;

interface Options {
  jobs: number;
  processes: number[];
  concurrency: number;
  rounds: number;
  cpuProfile: boolean;
  url: string;
  /** A comparison system key: `conveyor-postgres` (default) or `graphile-worker`, for the same CPU and row counts of a rival. */
  system: string;
  /** Attribution only, never a setting: drain with Conveyor's job-event triggers disabled, to read what the event log costs. */
  withoutEventLog: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index === -1 ? undefined : argv[index + 1];
  };
  return {
    jobs: Number(value('jobs') ?? 20_000),
    processes: (value('processes') ?? '1,2,4').split(',').map(Number),
    concurrency: Number(value('concurrency') ?? 10),
    rounds: Number(value('rounds') ?? 1),
    cpuProfile: argv.includes('--cpu-profile'),
    system: value('system') ?? 'conveyor-postgres',
    withoutEventLog: argv.includes('--without-event-log'),
    url: value('url') ?? process.env.CONVEYOR_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
}

/** What one worker process counted (query-counter.mjs). */
interface ProcessCounts {
  counts: Record<string, number>;
  emptyClaims: number;
  claimedRows: number;
  notifications: number;
  cpuMicros: number;
}

interface ServerSnapshot {
  tables: Map<string, Record<string, number>>;
  blocks: number;
  wal: { records: number; fpi: number; bytes: number };
  database: Record<string, number>;
}

async function serverSnapshot(admin: pg.Client, schema: string): Promise<ServerSnapshot> {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const tables = await admin.query(
    `SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = $1`,
    [schema],
  );
  const blocks = await admin.query(
    `SELECT (SELECT coalesce(sum(coalesce(heap_blks_hit,0) + coalesce(heap_blks_read,0) + coalesce(idx_blks_hit,0) + coalesce(idx_blks_read,0)
                + coalesce(toast_blks_hit,0) + coalesce(tidx_blks_hit,0)), 0) FROM pg_statio_user_tables WHERE schemaname = $1) AS blocks`,
    [schema],
  );
  const wal = await admin.query(`SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal`);
  const database = await admin.query(
    `SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = current_database()`,
  );
  const numbers = (row: Record<string, unknown>): Record<string, number> =>
    Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'relname').map(([key, v]) => [key, Number(v)]));
  return {
    tables: new Map(tables.rows.map((row) => [String(row.relname), numbers(row)])),
    blocks: Number(blocks.rows[0].blocks),
    wal: { records: Number(wal.rows[0].wal_records), fpi: Number(wal.rows[0].wal_fpi), bytes: Number(wal.rows[0].wal_bytes) },
    database: numbers(database.rows[0]),
  };
}

/** CPU ticks of each backend the worker processes listed in `runDir` (and of the server's background processes), sampled until stopped. */
class BackendCpu {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private readonly kind = new Map<number, string>();
  private timer: NodeJS.Timeout | null = null;
  private sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly admin: pg.Client,
    private readonly runDir: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample()).catch(() => undefined);
    }, SAMPLE_EVERY_MS);
  }

  async stop(): Promise<{ workerBackendsS: number; backgroundS: number }> {
    clearInterval(this.timer!);
    await this.sampling;
    await this.sample();
    let workerBackends = 0;
    let background = 0;
    for (const [pid, last] of this.last) {
      const used = last - this.first.get(pid)!;
      if (this.kind.get(pid) === 'worker') workerBackends += used;
      else background += used;
    }
    return { workerBackendsS: workerBackends / CLOCK_TICKS_PER_S, backgroundS: background / CLOCK_TICKS_PER_S };
  }

  private async sample(): Promise<void> {
    const { rows } = await this.admin.query(
      `SELECT pid FROM pg_stat_activity
       WHERE backend_type IN ('autovacuum worker', 'walwriter', 'checkpointer', 'background writer', 'autovacuum launcher')`,
    );
    const workerPids = readdirSync(this.runDir)
      .filter((name) => name.endsWith('.pids'))
      .flatMap((name) => readFileSync(join(this.runDir, name), 'utf8').split('\n').filter(Boolean).map(Number));
    const seen = [...rows.map((row) => ({ pid: Number(row.pid), kind: 'background' })), ...workerPids.map((pid) => ({ pid, kind: 'worker' }))];
    for (const { pid, kind } of seen) {
      const ticks = cpuTicks(pid);
      if (ticks === null) continue;
      if (!this.first.has(pid)) this.first.set(pid, ticks);
      this.last.set(pid, ticks);
      this.kind.set(pid, kind);
    }
  }
}

function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

export interface ProfileResult {
  system: string;
  processes: number;
  jobs: number;
  seconds: number;
  statements: Record<string, number>;
  emptyClaims: number;
  claims: number;
  notifications: number;
  workerCpuS: number;
  workerBackendsCpuS: number;
  backgroundCpuS: number;
  tables: Record<string, Record<string, number>>;
  blocks: number;
  wal: { records: number; fpi: number; bytes: number };
  database: Record<string, number>;
}

async function profileOnce(options: Options, loaded: LoadedSystem, environment: Environment, processes: number, outDir: string): Promise<ProfileResult> {
  const system: QueueSystem = await loaded.definition.create(environment);
  const schema = system.location;
  const admin = new pg.Client({ connectionString: options.url, application_name: 'conveyor-profile-admin' });
  await admin.connect();
  const runDir = mkdtempSync(join(outDir, `p${processes}-`));
  process.env.CONVEYOR_PROFILE_DIR = runDir;
  process.env.CONVEYOR_PROFILE_CPU = options.cpuProfile ? '1' : '0';
  process.env.NODE_OPTIONS = `--import ${PRELOAD}`;
  try {
    await system.enqueueBulk(options.jobs);
    await system.analyze();
    if (options.withoutEventLog) await admin.query(`ALTER TABLE ${quoteIdentifier(schema)}.jobs DISABLE TRIGGER jobs_events_on_update`);
    const fleet = await ProcessFleet.spawn({ key: loaded.key, location: schema, processes, concurrency: options.concurrency, environment });
    delete process.env.NODE_OPTIONS;
    const cpu = new BackendCpu(admin, runDir);
    // An idle backend reports its counts (tables, buffers, WAL) within 10 s: let the seed's arrive first.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const before = await serverSnapshot(admin, schema);
    cpu.start();
    const start = performance.now();
    let seconds: number;
    try {
      await fleet.start();
      await fleet.tally.until(options.jobs, drainTimeoutMs(options.jobs));
      await untilNothingPending(system, drainTimeoutMs(options.jobs));
      seconds = (performance.now() - start) / 1000;
    } finally {
      await fleet.stop();
    }
    const backends = await cpu.stop();
    // Backends report their table counts at most once a second, and at exit.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = await serverSnapshot(admin, schema);
    return summarise(loaded.key, processes, options.jobs, seconds, runDir, backends, before, after);
  } finally {
    delete process.env.NODE_OPTIONS;
    await admin.end();
    await system.close();
  }
}

function summarise(
  system: string,
  processes: number,
  jobs: number,
  seconds: number,
  runDir: string,
  backends: { workerBackendsS: number; backgroundS: number },
  before: ServerSnapshot,
  after: ServerSnapshot,
): ProfileResult {
  const perProcess = readdirSync(runDir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(runDir, name), 'utf8')) as ProcessCounts);
  if (perProcess.length !== processes) throw new Error(`${perProcess.length} of ${processes} worker processes wrote their counts`);
  const statements: Record<string, number> = {};
  for (const counted of perProcess) for (const [kind, count] of Object.entries(counted.counts)) statements[kind] = (statements[kind] ?? 0) + count;
  const sum = (pick: (counted: ProcessCounts) => number): number => perProcess.reduce((total, counted) => total + pick(counted), 0);
  const tables: Record<string, Record<string, number>> = {};
  for (const [name, row] of after.tables) {
    const old = before.tables.get(name) ?? {};
    const delta = Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value - (old[key] ?? 0)]));
    if (Object.values(delta).some((value) => value !== 0)) tables[name] = delta;
  }
  return {
    system,
    processes,
    jobs,
    seconds,
    statements,
    emptyClaims: sum((c) => c.emptyClaims),
    claims: statements.claim ?? 0,
    notifications: sum((c) => c.notifications),
    workerCpuS: sum((c) => c.cpuMicros) / 1e6,
    workerBackendsCpuS: backends.workerBackendsS,
    backgroundCpuS: backends.backgroundS,
    tables,
    blocks: after.blocks - before.blocks,
    wal: { records: after.wal.records - before.wal.records, fpi: after.wal.fpi - before.wal.fpi, bytes: after.wal.bytes - before.wal.bytes },
    database: Object.fromEntries(Object.entries(after.database).map(([key, value]) => [key, value - (before.database[key] ?? 0)])),
  };
}

const perJob = (value: number, jobs: number, digits = 3): string => (value / jobs).toFixed(digits);

function report(result: ProfileResult): string {
  const { jobs } = result;
  const lines = [
    `### ${result.system}, ${result.processes} process(es) × c10, ${jobs} jobs: ${Math.round(jobs / result.seconds)} jobs/s (noisy)`,
    '',
    '| per job | value |',
    '|---|---:|',
  ];
  const total = Object.values(result.statements).reduce((a, b) => a + b, 0);
  lines.push(`| statements (all) | ${perJob(total, jobs)} |`);
  for (const [kind, count] of Object.entries(result.statements).sort((a, b) => b[1] - a[1])) lines.push(`| · ${kind.replaceAll('|', '\\|')} | ${perJob(count, jobs, 4)} (${count}) |`);
  lines.push(
    `| claims that came back empty | ${perJob(result.emptyClaims, jobs, 4)} (${result.emptyClaims} of ${result.claims}) |`,
    `| NOTIFYs received (all processes) | ${perJob(result.notifications, jobs, 4)} (${result.notifications}) |`,
    `| worker CPU µs | ${perJob(result.workerCpuS * 1e6, jobs, 0)} |`,
    `| PostgreSQL CPU µs, workers' backends | ${perJob(result.workerBackendsCpuS * 1e6, jobs, 0)} |`,
    `| PostgreSQL CPU µs, background (autovacuum, walwriter, …) | ${perJob(result.backgroundCpuS * 1e6, jobs, 0)} |`,
    `| buffers touched (schema's tables + indexes) | ${perJob(result.blocks, jobs, 1)} |`,
    `| WAL records / FPI / bytes (cluster-wide) | ${perJob(result.wal.records, jobs, 2)} / ${perJob(result.wal.fpi, jobs, 3)} / ${perJob(result.wal.bytes, jobs, 0)} |`,
    `| commits (database-wide) | ${perJob(result.database.xact_commit ?? 0, jobs, 3)} |`,
  );
  for (const [table, delta] of Object.entries(result.tables)) {
    lines.push(`| ${table}: ins / upd (hot) / del | ${perJob(delta.n_tup_ins ?? 0, jobs, 3)} / ${perJob(delta.n_tup_upd ?? 0, jobs, 3)} (${perJob(delta.n_tup_hot_upd ?? 0, jobs, 3)}) / ${perJob(delta.n_tup_del ?? 0, jobs, 3)} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const environment: Environment = { postgresUrl: options.url, redisUrl: '' };
  const outDir = mkdtempSync(join(tmpdir(), 'conveyor-pg-profile-'));
  const results: ProfileResult[] = [];
  const loaded = await loadSystem(options.system);
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const processes of options.processes) {
        const result = await profileOnce(options, loaded, environment, processes, outDir);
        results.push(result);
        process.stdout.write(`${report(result)}\n\n`);
      }
    }
  } finally {
    await closeAdminPools();
  }
  process.stdout.write(`raw results and worker CPU profiles: ${outDir}\n`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

await main();
