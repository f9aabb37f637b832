/**
 * What the results depend on besides the code: the machine, the servers and their durability
 * settings, and the exact versions of every package compared. Each item that cannot be read says so
 * rather than failing the run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { showSetting } from './postgres-admin.js';
import type { Environment } from './system.js';

const RIVAL_PACKAGES = ['bullmq', 'ioredis', 'graphile-worker', 'pg-boss', 'pg'];

function packageVersion(path: URL): string {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

async function orUnknown(read: () => Promise<string>): Promise<string> {
  try {
    return await read();
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  }
}

function conveyorRevision(): string {
  const root = new URL('../../', import.meta.url);
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return 'not a git checkout';
  }
}

async function redisInfo(redisUrl: string): Promise<string> {
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? '?';
    const [, appendonly] = (await client.config('GET', 'appendonly')) as string[];
    const [, appendfsync] = (await client.config('GET', 'appendfsync')) as string[];
    const durability = appendonly === 'yes' ? `appendonly yes, appendfsync ${appendfsync}` : 'appendonly no (writes are not fsynced; BullMQ figures are not durable per write)';
    return `${version}; ${durability}`;
  } finally {
    client.disconnect();
  }
}

/**
 * `pg_test_fsync -s 1`: one-8kB-write syncs per second with the server's wal_sync_method, i.e. about
 * how many separate commits per second the disk allows. Null when the tool is not installed.
 */
function fsyncRate(method: string): string | null {
  const tool = spawnSync('sh', ['-c', 'ls /usr/lib/postgresql/*/bin/pg_test_fsync 2>/dev/null | tail -1'], { encoding: 'utf8' }).stdout.trim();
  if (tool === '') return null;
  const file = join(tmpdir(), `pg_test_fsync-${process.pid}`);
  try {
    const output = spawnSync(tool, ['-s', '1', '-f', file], { encoding: 'utf8', timeout: 120_000 }).stdout;
    const line = output.split('\n').find((text) => text.trim().startsWith(method) && text.includes('ops/sec'));
    return line === undefined ? null : `${Math.round(Number(/([\d.]+) ops\/sec/.exec(line)?.[1]))} ${method} syncs/s (pg_test_fsync -s 1, ${tmpdir()})`;
  } finally {
    rmSync(file, { force: true });
  }
}

/** Markdown bullet lines. `withFsync`: also run pg_test_fsync (about 20 s). */
export async function machineInfo(environment: Environment, uses: { postgres: boolean; redis: boolean }, withFsync: boolean): Promise<string[]> {
  const cpuList = cpus();
  const lines = [
    `CPU: ${cpuList.length} × ${cpuList[0]?.model.trim() ?? 'unknown'}; RAM ${(totalmem() / 1024 ** 3).toFixed(1)} GiB; load average at start ${loadavg()[0]?.toFixed(2)}`,
    `Node ${process.version}; Conveyor ${packageVersion(new URL('../../package.json', import.meta.url))} at ${conveyorRevision()}`,
  ];
  const memory = new Database(':memory:');
  lines.push(`SQLite ${(memory.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version} (WAL, synchronous=full; files in ${tmpdir()})`);
  memory.close();
  if (uses.postgres) {
    const url = environment.postgresUrl;
    const postgres = await orUnknown(async () => {
      const settings = await Promise.all(['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'shared_buffers'].map((name) => showSetting(url, name)));
      const [version, fsync, synchronousCommit, walSyncMethod, sharedBuffers] = settings;
      const rate = withFsync ? fsyncRate(walSyncMethod!) : null;
      return `${version}; fsync=${fsync}, synchronous_commit=${synchronousCommit}, wal_sync_method=${walSyncMethod}, shared_buffers=${sharedBuffers}${rate === null ? '' : `; disk: ${rate}`}`;
    });
    lines.push(`PostgreSQL ${postgres}`);
  }
  if (uses.redis) lines.push(`Redis ${await orUnknown(() => redisInfo(environment.redisUrl))}`);
  lines.push(`Rivals: ${RIVAL_PACKAGES.map((name) => `${name} ${packageVersion(new URL(`../node_modules/${name}/package.json`, import.meta.url))}`).join(', ')}`);
  return lines;
}
