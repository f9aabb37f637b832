/**
 * Breaking the test PostgreSQL server's connections on purpose, for the chaos tests: a real server
 * restart when this process can do one (root on the machine that runs the cluster, `pg_ctlcluster`
 * available), otherwise `pg_terminate_backend` on every Conveyor connection, which the clients see
 * the same way (their connections drop) minus the server being down for a moment.
 *
 * `CONVEYOR_CHAOS_PG_RESTART=terminate` forces the fallback.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TEST_POSTGRES_URL, withPostgresClient } from './postgres-server.js';

const run = promisify(execFile);

/** What `disruptPostgres` will do, and why, for the test's log. */
export type Disruption =
  | { kind: 'restart'; command: string[]; why: string }
  | { kind: 'terminate'; why: string };

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Decide how to disrupt the server at `url`: restart its cluster when possible, else terminate backends. */
export async function planDisruption(url: string = TEST_POSTGRES_URL): Promise<Disruption> {
  if (process.env.CONVEYOR_CHAOS_PG_RESTART === 'terminate') {
    return { kind: 'terminate', why: 'CONVEYOR_CHAOS_PG_RESTART=terminate' };
  }
  const parsed = new URL(url);
  if (!LOCAL_HOSTS.has(parsed.hostname)) return { kind: 'terminate', why: `the server ${parsed.hostname} is not on this machine` };
  if (process.getuid?.() !== 0) return { kind: 'terminate', why: 'this process is not root, so it cannot run pg_ctlcluster' };
  const port = parsed.port === '' ? '5432' : parsed.port;
  let clusters: string;
  try {
    clusters = (await run('pg_lsclusters', ['--no-header'])).stdout;
  } catch (error) {
    return { kind: 'terminate', why: `pg_lsclusters failed (${(error as Error).message.split('\n')[0]})` };
  }
  // Lines read "<version> <cluster> <port> <status> <owner> <data directory> <log file>".
  const cluster = clusters
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((fields) => fields[2] === port && fields[3] === 'online');
  if (cluster === undefined) return { kind: 'terminate', why: `pg_lsclusters lists no online cluster on port ${port}` };
  const [version = '', name = ''] = cluster;
  return {
    kind: 'restart',
    command: ['pg_ctlcluster', '--skip-systemctl-redirect', version, name, 'restart'],
    why: `cluster ${version}/${name} runs on this machine on port ${port}`,
  };
}

/**
 * Carry out the disruption. A restart returns once `pg_ctlcluster` has started the server again;
 * callers still wait for it to accept connections. Returns what was done, for the test's log.
 */
export async function disruptPostgres(plan: Disruption, url: string = TEST_POSTGRES_URL): Promise<string> {
  if (plan.kind === 'restart') {
    const [command = '', ...args] = plan.command;
    await run(command, args, { timeout: 120_000 });
    return `restarted PostgreSQL: ${plan.command.join(' ')} (${plan.why})`;
  }
  const terminated = await withPostgresClient(async (client) => {
    const { rows } = await client.query<{ terminated: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS terminated
         FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE 'conveyor%' AND pid <> pg_backend_pid()`,
    );
    return rows[0]?.terminated ?? 0;
  }, url);
  return `terminated ${terminated} Conveyor connections with pg_terminate_backend instead of restarting PostgreSQL (${plan.why})`;
}
