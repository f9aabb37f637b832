/**
 * `npm run bench:artifacts`: the figures of the artifacts issue, in one run.
 *
 * 1. A big artifact (1 GiB by default) written by a real worker in its own process through
 *    `ctx.artifacts.put`, then streamed by a reader in another process (standing for the server)
 *    through `conveyor.artifacts.get` into a hashing sink: MB/s each way and each process's peak RSS,
 *    on the store backend over SQLite and over PostgreSQL and on the directory backend, beside the raw
 *    floor of the same bytes (and PostgreSQL large objects, the alternative to chunked bytea).
 * 2. Job claims with and without 100 concurrent downloads of small artifacts through the HTTP API.
 *
 * `npm run bench:artifacts -- --help` lists the options; `--quick` is a 64 MiB, one-round smoke run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import type { Timing } from './artifacts/raw-floors.js';
import { MIB, megabytesPerSecond, runChild } from './artifacts/bytes.js';
import { measureDownloads, type DownloadResult, type DownloadSettings } from './artifacts/downloads.js';
import { BenchServer } from './postgres/server.js';
import { BenchSetupError } from './setup-error.js';
import { freshDatabase, median, removeDatabases } from './shared.js';

const TARGET_RATIO = 0.5;
const TARGET_RSS_MB = 150;

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('Give a whole number ≥ 1.');
  return parsed;
}

function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) throw new InvalidArgumentError('Give a whole number ≥ 0.');
  return parsed;
}

const program = new Command()
  .name('npm run bench:artifacts --')
  .description('Artifact write/read throughput and memory per backend against raw floors, and job claims under 100 concurrent artifact downloads.')
  .option('--size-mib <count>', 'size of the big artifact, in MiB', positiveInteger, 1024)
  .option('--quick', 'a smoke run: a 64 MiB artifact, smaller drains, one round')
  .option('--big-rounds <count>', 'rounds of the big-artifact part, backends interleaved, Conveyor and raw floor in alternating order; medians shown (peak RSS: the highest)', positiveInteger, 3)
  .option('--pg <url>', 'the PostgreSQL server (each measurement in a fresh schema bench_<pid>_<n>, dropped afterwards)', 'postgres://postgres@127.0.0.1:5432/test')
  .option('--drain-jobs <count>', 'no-op jobs per drain in the downloads part', positiveInteger)
  .option('--download-pause-ms <ms>', 'each of the 100 download clients waits this long after each download (e.g. 1000: 100 users each downloading once a second); 0: a closed loop', nonNegativeInteger, 0)
  .option('--rounds <count>', 'interleaved rounds (alone, with downloads) in the downloads part; medians shown', positiveInteger)
  .showHelpAfterError('(npm run bench:artifacts -- --help lists the options)')
  .parse();
const options = program.opts<{ sizeMib: number; bigRounds: number; quick?: boolean; pg: string; drainJobs?: number; rounds?: number; downloadPauseMs: number }>();
const bigRounds = options.quick === true && program.getOptionValueSource('bigRounds') === 'default' ? 1 : options.bigRounds;
const sizeMib = options.quick === true && program.getOptionValueSource('sizeMib') === 'default' ? 64 : options.sizeMib;
const sizeBytes = sizeMib * MIB;
const downloadSettings: DownloadSettings = {
  drainJobs: options.drainJobs ?? (options.quick === true ? 2000 : 5000),
  rounds: options.rounds ?? (options.quick === true ? 1 : 3),
  concurrentDownloads: 100,
  artifactBytes: 65_536,
  pauseMs: options.downloadPauseMs,
};

interface WriterResult {
  jobId: string;
  seconds: number;
  sha256: string;
  size: number;
  peakRssMb: number;
  idleRssMb: number;
}
interface ReaderResult {
  seconds: number;
  bytes: number;
  sha256: string;
  peakRssMb: number;
  idleRssMb: number;
}
interface BackendResult {
  label: string;
  writer: WriterResult;
  reader: ReaderResult;
  raw: Timing;
  rawLabel: string;
  /** PostgreSQL only: large objects, the alternative raw floor. */
  largeObject?: Timing;
}

/** The worker child writes, then the reader child reads back the same artifact; each reports its own peak RSS. */
async function throughConveyor(storeUrl: string, backend: string): Promise<{ writer: WriterResult; reader: ReaderResult }> {
  const writer = await runChild<WriterResult>('./worker-process.ts', [storeUrl, backend, String(sizeBytes)]);
  if (writer.size !== sizeBytes) throw new Error(`the worker stored ${writer.size} bytes, not ${sizeBytes}`);
  const reader = await runChild<ReaderResult>('./reader-process.ts', [storeUrl, backend, writer.jobId]);
  if (reader.sha256 !== writer.sha256) throw new Error(`the reader hashed ${reader.sha256}, the worker stored ${writer.sha256}`);
  return { writer, reader };
}

/** One raw floor, in a child process of its own. */
function floor(kind: 'sqlite' | 'pg-bytea' | 'pg-large-object' | 'directory', ...args: string[]): Promise<Timing> {
  return runChild<Timing>('./floor-process.ts', [String(sizeBytes), kind, ...args]);
}

/** A checkpoint before each PostgreSQL measurement, so none starts with another's dirty pages to flush. */
async function checkpoint(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

/**
 * Conveyor's run and the raw floor's, in the order given. Whichever goes second writes just after the
 * other's gigabyte was deleted; a first one-round run, Conveyor always first, put Conveyor's SQLite
 * write at 2.5× its floor, so rounds alternate the order rather than trust either.
 */
async function inOrder<A, B>(rawFirst: boolean, conveyor: () => Promise<A>, raw: () => Promise<B>): Promise<[A, B]> {
  if (rawFirst) {
    const rawResult = await raw();
    return [await conveyor(), rawResult];
  }
  const conveyorResult = await conveyor();
  return [conveyorResult, await raw()];
}

async function sqliteBackend(rawFirst: boolean): Promise<BackendResult> {
  try {
    const path = await freshDatabase();
    const [conveyor, raw] = await inOrder(
      rawFirst,
      async () => {
        const result = await throughConveyor(`sqlite:${path}`, 'store');
        rmSync(path, { force: true });
        return result;
      },
      async () => {
        const rawPath = join(dirname(path), 'raw-floor.db');
        const result = await floor('sqlite', rawPath);
        rmSync(rawPath, { force: true });
        return result;
      },
    );
    return { label: 'store backend, SQLite', ...conveyor, raw, rawLabel: 'better-sqlite3 BLOB rows' };
  } finally {
    removeDatabases();
  }
}

async function postgresBackend(server: BenchServer, url: string, rawFirst: boolean): Promise<BackendResult> {
  const [conveyor, floors] = await inOrder(
    rawFirst,
    async () => {
      await checkpoint(url);
      return server.withSchema((schema) => throughConveyor(schema.storeUrl, 'store'));
    },
    () =>
      server.withSchema(async (schema) => {
        await checkpoint(url);
        const raw = await floor('pg-bytea', schema.connectionString, schema.name);
        await checkpoint(url);
        const largeObject = await floor('pg-large-object', schema.connectionString);
        return { raw, largeObject };
      }),
  );
  return { label: 'store backend, PostgreSQL', ...conveyor, ...floors, rawLabel: 'pg bytea rows' };
}

async function directoryBackend(rawFirst: boolean): Promise<BackendResult> {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-artifacts-bench-'));
  try {
    const path = await freshDatabase();
    const [conveyor, raw] = await inOrder(
      rawFirst,
      async () => {
        const result = await throughConveyor(`sqlite:${path}`, join(dir, 'artifacts'));
        rmSync(join(dir, 'artifacts'), { recursive: true, force: true });
        return result;
      },
      () => floor('directory', dir),
    );
    return { label: 'directory backend', ...conveyor, raw, rawLabel: 'fs write stream + fsync' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    removeDatabases();
  }
}

const medianOf = <T>(list: T[], pick: (item: T) => number): number => median(list.map(pick));
const maxOf = <T>(list: T[], pick: (item: T) => number): number => Math.max(...list.map(pick));
const timingOf = (list: Timing[]): Timing => ({
  writeSeconds: medianOf(list, (t) => t.writeSeconds),
  readSeconds: medianOf(list, (t) => t.readSeconds),
  peakRssMb: maxOf(list, (t) => t.peakRssMb ?? Number.NaN),
  idleRssMb: maxOf(list, (t) => t.idleRssMb ?? Number.NaN),
});

/** One backend's rounds as one result: median times, the highest peak RSS. */
function combineRounds(rounds: BackendResult[]): BackendResult {
  const first = rounds[0]!;
  const largeObjects = rounds.flatMap((round) => (round.largeObject === undefined ? [] : [round.largeObject]));
  return {
    ...first,
    writer: { ...first.writer, seconds: medianOf(rounds, (r) => r.writer.seconds), peakRssMb: maxOf(rounds, (r) => r.writer.peakRssMb), idleRssMb: maxOf(rounds, (r) => r.writer.idleRssMb) },
    reader: { ...first.reader, seconds: medianOf(rounds, (r) => r.reader.seconds), peakRssMb: maxOf(rounds, (r) => r.reader.peakRssMb), idleRssMb: maxOf(rounds, (r) => r.reader.idleRssMb) },
    raw: timingOf(rounds.map((round) => round.raw)),
    ...(largeObjects.length > 0 ? { largeObject: timingOf(largeObjects) } : {}),
  };
}

const mbps = (seconds: number): number => megabytesPerSecond(sizeBytes, seconds);
const fixed = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : 'n/a');
const percent = (ratio: number): string => `${(ratio * 100).toFixed(0)} %`;
const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  return [line(header), `| ${widths.map((width, column) => (column === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

function artifactRows(results: BackendResult[]): string[][] {
  const rows: string[][] = [];
  for (const result of results) {
    const write = mbps(result.writer.seconds);
    const rawWrite = mbps(result.raw.writeSeconds);
    const read = mbps(result.reader.seconds);
    const rawRead = mbps(result.raw.readSeconds);
    const rawRss = `raw floor ${fixed(result.raw.peakRssMb ?? Number.NaN)} (idle ${fixed(result.raw.idleRssMb ?? Number.NaN)})`;
    rows.push([`${result.label}: write`, fixed(write), `${fixed(rawWrite)} (${result.rawLabel})`, `${percent(write / rawWrite)} ${verdict(write / rawWrite >= TARGET_RATIO)}`, `worker ${fixed(result.writer.peakRssMb)} (idle ${fixed(result.writer.idleRssMb)}) ${verdict(result.writer.peakRssMb < TARGET_RSS_MB)}; ${rawRss}`]);
    rows.push([`${result.label}: read`, fixed(read), `${fixed(rawRead)} (${result.rawLabel})`, `${percent(read / rawRead)} ${verdict(read / rawRead >= TARGET_RATIO)}`, `reader ${fixed(result.reader.peakRssMb)} (idle ${fixed(result.reader.idleRssMb)}) ${verdict(result.reader.peakRssMb < TARGET_RSS_MB)}; ${rawRss}`]);
    if (result.largeObject !== undefined) {
      const loWrite = mbps(result.largeObject.writeSeconds);
      const loRead = mbps(result.largeObject.readSeconds);
      const loRss = `raw floor ${fixed(result.largeObject.peakRssMb ?? Number.NaN)} (idle ${fixed(result.largeObject.idleRssMb ?? Number.NaN)})`;
      rows.push(['PostgreSQL large objects (raw): write', '—', `${fixed(loWrite)} (lo_put per chunk, 1 tx)`, `bytea floor / LO floor ${percent(rawWrite / loWrite)}`, loRss]);
      rows.push(['PostgreSQL large objects (raw): read', '—', `${fixed(loRead)} (lo_get per chunk)`, `bytea floor / LO floor ${percent(rawRead / loRead)}`, loRss]);
    }
  }
  return rows;
}

function downloadRows(results: Array<{ store: string; result: DownloadResult }>): string[][] {
  return results.map(({ store, result }) => {
    const slowdown = result.withDownloads === null ? null : 1 - result.withDownloads / result.alone;
    return [
      `drain ${downloadSettings.drainJobs.toLocaleString('en-US')} no-op jobs, ${store}`,
      fixed(result.alone),
      result.withDownloads === null ? `skipped: ${result.skipped}` : fixed(result.withDownloads),
      slowdown === null ? 'n/a' : `${percent(slowdown)} ${verdict(slowdown <= 0.1)}`,
      result.downloadsPerSecond === null ? 'n/a' : `${fixed(result.downloadsPerSecond)}/s, ${fixed(result.downloadMegabytesPerSecond!)} MB/s, ${result.failures} failed`,
    ];
  });
}

let server: BenchServer | null = null;
try {
  const started = performance.now();
  server = await BenchServer.connect(options.pg);
  const environment = await server.environment();
  console.log(`artifacts bench: ${sizeMib} MiB artifact, Node ${process.version}, PostgreSQL ${environment.version} (fsync ${environment.fsync}, synchronous_commit ${environment.synchronousCommit}); MB = 10^6 bytes`);
  const backends = [
    ['store backend, SQLite', sqliteBackend],
    ['store backend, PostgreSQL', (rawFirst: boolean) => postgresBackend(server!, options.pg, rawFirst)],
    ['directory backend', directoryBackend],
  ] as const;
  const rounds: BackendResult[][] = backends.map(() => []);
  for (let round = 1; round <= bigRounds; round++) {
    for (const [index, [label, run]] of backends.entries()) {
      const rawFirst = round % 2 === 0;
      process.stdout.write(`  round ${round}, ${label}, ${rawFirst ? 'raw floor first' : 'Conveyor first'}… `);
      const result = await run(rawFirst);
      rounds[index]!.push(result);
      console.log(
        `write ${fixed(mbps(result.writer.seconds))} MB/s (raw ${fixed(mbps(result.raw.writeSeconds))}), read ${fixed(mbps(result.reader.seconds))} MB/s (raw ${fixed(mbps(result.raw.readSeconds))}), peak RSS worker ${fixed(result.writer.peakRssMb)} MB, reader ${fixed(result.reader.peakRssMb)} MB`,
      );
    }
  }
  const results = rounds.map(combineRounds);

  const downloads: Array<{ store: string; result: DownloadResult }> = [];
  for (const store of ['SQLite', 'PostgreSQL'] as const) {
    process.stdout.write(`  ${downloadSettings.concurrentDownloads} concurrent downloads during a drain, ${store}… `);
    const result =
      store === 'SQLite'
        ? await freshDatabase().then((path) => measureDownloads(`sqlite:${path}`, downloadSettings)).finally(removeDatabases)
        : await server.withSchema((schema) => measureDownloads(schema.storeUrl, downloadSettings));
    downloads.push({ store, result });
    console.log(result.skipped === null ? 'done' : `skipped: ${result.skipped}`);
  }

  console.log(`\n### ${sizeMib} MiB artifact: worker writes (ctx.artifacts.put), reader streams (conveyor.artifacts.get → SHA-256 sink); ${bigRounds === 1 ? 'one round' : `median of ${bigRounds} interleaved rounds`}\n`);
  console.log(markdownTable(['', 'Conveyor MB/s', 'raw floor MB/s', `Conveyor/raw (target ≥ ${percent(TARGET_RATIO)})`, `peak RSS MB, Conveyor's target < ${TARGET_RSS_MB} (raw floor: write and read in one process)`], artifactRows(results)));
  console.log(`\n### Job claims during ${downloadSettings.concurrentDownloads} concurrent downloads of ${downloadSettings.artifactBytes / 1024} KiB artifacts (GET /jobs/{id}/artifacts/{name}), median of ${downloadSettings.rounds} interleaved round(s)\n`);
  console.log(markdownTable(['', 'jobs/s alone', 'jobs/s during downloads', 'slowdown (target ≤ 10 %)', 'downloads'], downloadRows(downloads)));
  console.log(
    `\nThe worker runs in this process, the API server and the ${downloadSettings.concurrentDownloads} clients in one process each. ${downloadSettings.pauseMs === 0 ? `The clients are a closed loop (each starts its next download when one ends), so they and the server take whatever CPU they can: on ${availableParallelism()} cores the slowdown includes that contention, not only the store's.` : `Each client waits ${downloadSettings.pauseMs} ms after each download.`}`,
  );
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s in all. On 2 shared cores, single-run differences under ~1.5× are noise.)`);
} catch (error) {
  if (!(error instanceof BenchSetupError)) throw error;
  process.stderr.write(`bench:artifacts: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  await server?.close();
}
