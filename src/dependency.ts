/**
 * The services a task's handler needs (a virus scanner, an HTTP API, a database), declared with the
 * task so a worker can check them (F9): while one is down, the worker stops claiming that task's
 * jobs, which wait with no attempt burned, and says which service, where, since when and why.
 *
 * A declaration checks nothing: workers run the checks once started (`DependencyMonitor`), never at
 * import time. Ready-made checks connect to a TCP port (`tcpDependency`) or GET an HTTP URL
 * (`httpDependency`); any other is an async function (`defineDependency`).
 */
import { connect } from 'node:net';
import { ConveyorConfigError } from './errors.js';
import { redactStoreUrl } from './redact-store-url.js';

/** A service a handler needs, and how to tell it is up. */
export interface Dependency {
  /** Names it in logs, `/ready`, `/metrics` and the dashboard; one name is one service for a worker. */
  readonly name: string;
  /** Where it is, as operators read it (`tcp://clamd:3310`); passwords redacted. */
  readonly target: string;
  /** A check that takes longer fails. */
  readonly timeoutMs: number;
  /** How long after one check ends the next one starts. */
  readonly intervalMs: number;
  /** Resolves when the service is up; rejects (with why) when it is not. Stops when `signal` aborts. */
  check(signal: AbortSignal): Promise<void>;
}

export interface DependencyTiming {
  /** @default 5_000 */
  timeoutMs?: number;
  /** @default 10_000 */
  intervalMs?: number;
}

export interface DependencyOptions extends DependencyTiming {
  name: string;
  /** Where the service is, for operators. @default the name */
  target?: string;
  check: (signal: AbortSignal) => Promise<void>;
}

/** What a worker does with a task's jobs while one of its dependencies is down. */
export type WhileDependencyDown = 'wait' | 'claim';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A dependency checked by a function of your own.
 *
 * @example
 * defineDependency({ name: 'billing-db', target: 'postgres://billing', check: async () => { await pool.query('SELECT 1') } })
 */
export function defineDependency(options: DependencyOptions): Dependency {
  const where = `defineDependency(${JSON.stringify(options?.name)})`;
  if (typeof options !== 'object' || options === null) throw new ConveyorConfigError('defineDependency', 'takes an options object', "{ name: 'billing-db', check: async () => {} }");
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    throw new ConveyorConfigError(`${where}.name`, `must be 1–128 letters, digits, ".", "_", "-" or ":" starting with a letter or digit, got ${JSON.stringify(options.name)}`, '"virus-scanner"');
  }
  if (typeof options.check !== 'function') throw new ConveyorConfigError(`${where}.check`, 'is not a function', 'async (signal) => { await ping(signal) }');
  if (options.target !== undefined && (typeof options.target !== 'string' || options.target === '')) {
    throw new ConveyorConfigError(`${where}.target`, `must be a non-empty string, got ${JSON.stringify(options.target)}`, '"tcp://clamd:3310"');
  }
  const timeoutMs = checkMs(`${where}.timeoutMs`, options.timeoutMs ?? 5_000, '5000');
  const intervalMs = checkMs(`${where}.intervalMs`, options.intervalMs ?? 10_000, '10000');
  const check = options.check;
  return Object.freeze({ name: options.name, target: options.target ?? options.name, timeoutMs, intervalMs, check: (signal: AbortSignal) => check(signal) });
}

/**
 * Up while a TCP connection to `url` (`tcp://host:port`) opens within the timeout.
 *
 * @example
 * tcpDependency('virus-scanner', 'tcp://clamd:3310')
 */
export function tcpDependency(name: string, url: string, timing: DependencyTiming = {}): Dependency {
  const { host, port } = parseTcpUrl(`tcpDependency(${JSON.stringify(name)})`, url);
  return defineDependency({ ...timing, name, target: `tcp://${host}:${port}`, check: (signal) => tcpConnect(host, port, signal) });
}

/**
 * Up while a GET of `url` answers 2xx or 3xx within the timeout.
 *
 * @example
 * httpDependency('billing-api', 'https://billing.internal/health')
 */
export function httpDependency(name: string, url: string, timing: DependencyTiming = {}): Dependency {
  const where = `httpDependency(${JSON.stringify(name)})`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConveyorConfigError(`${where} url`, `is not a URL: ${JSON.stringify(redactStoreUrl(String(url)))}`, '"https://billing.internal/health"');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConveyorConfigError(`${where} url`, `must be an http:// or https:// URL, got ${JSON.stringify(redactStoreUrl(url))}`, '"https://billing.internal/health"');
  }
  const target = redactStoreUrl(parsed.toString());
  return defineDependency({ ...timing, name, target, check: (signal) => httpGet(parsed, signal) });
}

function parseTcpUrl(where: string, url: unknown): { host: string; port: number } {
  const example = '"tcp://clamd:3310"';
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new ConveyorConfigError(`${where} url`, `is not a URL: ${JSON.stringify(url)}`, example);
  }
  if (parsed.protocol !== 'tcp:') throw new ConveyorConfigError(`${where} url`, `must be a tcp://host:port URL, got ${JSON.stringify(url)}`, example);
  const port = Number(parsed.port);
  if (parsed.hostname === '' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ConveyorConfigError(`${where} url`, `must name a host and a port from 1 to 65535, got ${JSON.stringify(url)}`, example);
  }
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

function checkMs(setting: string, value: unknown, example: string): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_TIMER_MS) {
    throw new ConveyorConfigError(setting, `must be an integer of milliseconds from 1 to ${MAX_TIMER_MS}, got ${String(value)}`, example);
  }
  return value as number;
}

function tcpConnect(host: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/** GET `url`; credentials in it (`https://user:password@host/`) are sent as Basic authorization, as fetch takes none in a URL. */
async function httpGet(url: URL, signal: AbortSignal): Promise<void> {
  const bare = new URL(url);
  bare.username = '';
  bare.password = '';
  const headers: Record<string, string> = {};
  if (url.username !== '' || url.password !== '') {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  }
  const response = await fetch(bare, { signal, redirect: 'manual', headers });
  // Read nothing more: the status says it.
  await response.body?.cancel();
  if (response.status >= 400) throw new Error(`HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`);
}
