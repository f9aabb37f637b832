/**
 * How much a client may hold of the HTTP server: time to send a request, idle kept-alive time, and
 * connections in all and per client address. Without them, 300 sockets that send half a header
 * and wait hold 300 connections for a minute or more each (Node's defaults), and a client that
 * keeps reopening them holds them for ever.
 *
 * Node applies `requestTimeoutMs` to *receiving* a request (headers and body), not to the response,
 * so an event stream (`GET /events`, no body) lives on after it.
 */
import { ConveyorConfigError } from '../errors.js';

export interface ServerLimits {
  /** How long a client has to send a request's headers; then 408 and the connection is closed. @default 10_000 */
  headersTimeoutMs: number;
  /** How long a client has to send a whole request, headers and body; then 408. At least `headersTimeoutMs`. @default 30_000 */
  requestTimeoutMs: number;
  /** How long a kept-alive connection may sit idle between requests. @default 5_000 */
  keepAliveTimeoutMs: number;
  /** Most open connections (event streams included); past it a new connection is closed at once. @default 1024 */
  maxConnections: number;
  /**
   * Most open connections from one client address; 0 for no cap. Behind a reverse proxy every client
   * has the proxy's address: raise it or set 0 there. @default 256
   */
  maxConnectionsPerAddress: number;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
  maxConnectionsPerAddress: 256,
});

/** The environment variable of each limit. */
export const SERVER_LIMIT_SETTINGS: Readonly<Record<keyof ServerLimits, string>> = Object.freeze({
  headersTimeoutMs: 'CONVEYOR_HTTP_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'CONVEYOR_HTTP_REQUEST_TIMEOUT_MS',
  keepAliveTimeoutMs: 'CONVEYOR_HTTP_KEEP_ALIVE_TIMEOUT_MS',
  maxConnections: 'CONVEYOR_HTTP_MAX_CONNECTIONS',
  maxConnectionsPerAddress: 'CONVEYOR_HTTP_MAX_CONNECTIONS_PER_ADDRESS',
});

/** The smallest value of each limit (0 for "no cap" where that is allowed). */
const MINIMUM: Readonly<Record<keyof ServerLimits, number>> = { headersTimeoutMs: 1, requestTimeoutMs: 1, keepAliveTimeoutMs: 1, maxConnections: 1, maxConnectionsPerAddress: 0 };

/**
 * The limits from `env` (each unset or blank one at its default), checked, with errors naming the
 * variable. `overrides` win over the environment (a test's or an embedder's values).
 *
 * @example resolveServerLimits(process.env) // CONVEYOR_HTTP_MAX_CONNECTIONS=2048 → { maxConnections: 2048, … }
 */
export function resolveServerLimits(env: Record<string, string | undefined> = {}, overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS };
  for (const key of Object.keys(SERVER_LIMIT_SETTINGS) as Array<keyof ServerLimits>) {
    const text = env[SERVER_LIMIT_SETTINGS[key]];
    if (text !== undefined && text.trim() !== '') limits[key] = parseWholeNumber(text, key);
    const override = overrides[key];
    if (override !== undefined) limits[key] = checked(override, key, String(override));
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConveyorConfigError(
      SERVER_LIMIT_SETTINGS.headersTimeoutMs,
      `is ${limits.headersTimeoutMs} ms, longer than ${SERVER_LIMIT_SETTINGS.requestTimeoutMs} (${limits.requestTimeoutMs} ms), which covers the headers too`,
      `${SERVER_LIMIT_SETTINGS.headersTimeoutMs}=10000 with ${SERVER_LIMIT_SETTINGS.requestTimeoutMs}=30000`,
    );
  }
  return limits;
}

function parseWholeNumber(text: string, key: keyof ServerLimits): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  return checked(value, key, JSON.stringify(text));
}

function checked(value: number, key: keyof ServerLimits, shown: string): number {
  if (Number.isSafeInteger(value) && value >= MINIMUM[key]) return value;
  const what = key.endsWith('Ms') ? 'milliseconds' : 'connections';
  const zero = MINIMUM[key] === 0 ? ' (0 for no cap)' : '';
  throw new ConveyorConfigError(SERVER_LIMIT_SETTINGS[key], `${shown} is not a whole number of ${what} of at least ${MINIMUM[key]}${zero}`, `${SERVER_LIMIT_SETTINGS[key]}=${DEFAULT_SERVER_LIMITS[key]}`);
}
