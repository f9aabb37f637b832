/**
 * Server settings read from the environment, checked once at start-up with errors that name the
 * variable and show a right value (F7).
 */
import { ConveyorConfigError } from '../errors.js';
import { tokenWeakness } from './token-strength.js';

export const API_TOKENS_SETTING = 'CONVEYOR_API_TOKENS';

const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]+$/;
const TOKENS_EXAMPLE = `${API_TOKENS_SETTING}=$(openssl rand -hex 32) (several: token-a,token-b)`;

/**
 * Parse `CONVEYOR_API_TOKENS`: bearer tokens separated by commas. Each is made of the RFC 6750 token
 * alphabet, passes the strength floor of `token-strength.ts` (16 characters or more, 8 distinct, about
 * 64 bits), and none is listed twice.
 *
 * @example parseApiTokens(process.env.CONVEYOR_API_TOKENS) // ['3f9c…', '8a01…']
 */
export function parseApiTokens(value: string | undefined, setting: string = API_TOKENS_SETTING): string[] {
  if (value === undefined || value.trim() === '') {
    throw new ConveyorConfigError(setting, 'is not set; the HTTP API refuses to run without at least one bearer token', TOKENS_EXAMPLE);
  }
  const tokens = value.split(',').map((token) => token.trim());
  const seen = new Set<string>();
  for (const [index, token] of tokens.entries()) {
    const where = `token ${index + 1} of ${tokens.length}`;
    if (token === '') throw new ConveyorConfigError(setting, `has an empty entry (${where}); separate tokens with single commas`, TOKENS_EXAMPLE);
    if (!TOKEN_PATTERN.test(token)) {
      throw new ConveyorConfigError(setting, `${where} has a character outside letters, digits and . _ ~ + / = -`, TOKENS_EXAMPLE);
    }
    const weakness = tokenWeakness(token);
    if (weakness !== null) throw new ConveyorConfigError(setting, `${where} ${weakness}`, TOKENS_EXAMPLE);
    if (seen.has(token)) throw new ConveyorConfigError(setting, `lists ${where} twice; remove the duplicate`, TOKENS_EXAMPLE);
    seen.add(token);
  }
  return tokens;
}

/** A rate limit: at most `limit` per `intervalMs`. */
export interface RateLimit {
  /** Jobs a token may enqueue per interval (and in one burst). */
  limit: number;
  /** @example 1000 (per second) */
  intervalMs: number;
}

/** @default 1000 jobs per second per token: well above a healthy producer, well below a runaway loop. */
export const DEFAULT_ENQUEUE_RATE_LIMIT: Readonly<RateLimit> = Object.freeze({ limit: 1000, intervalMs: 1000 });

export const API_RATE_LIMIT_SETTING = 'CONVEYOR_API_RATE_LIMIT';

const RATE_LIMIT_PATTERN = /^(\d+)\s*\/\s*(\d*)\s*(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const RATE_LIMIT_EXAMPLE = `${API_RATE_LIMIT_SETTING}=1000/1s (or 50/200ms, 6000/1m; off for no limit)`;

/**
 * Parse `CONVEYOR_API_RATE_LIMIT`: jobs each token may enqueue per interval, as `<jobs>/<interval>`
 * with the interval in ms, s, m or h (`1000/1s`, `1000/s`, `50/200ms`); `off` for no limit. Unset or
 * blank gives the default of 1000 per second.
 *
 * @example parseEnqueueRateLimit('500/1s') // { limit: 500, intervalMs: 1000 }
 */
export function parseEnqueueRateLimit(value: string | undefined, setting: string = API_RATE_LIMIT_SETTING): RateLimit | null {
  return parseRateSetting(value, { setting, noun: 'jobs', fallback: DEFAULT_ENQUEUE_RATE_LIMIT, example: RATE_LIMIT_EXAMPLE });
}

export const AUTH_FAILURE_LIMIT_SETTING = 'CONVEYOR_AUTH_FAILURE_LIMIT';

/**
 * @default 10 failures per minute per client address: a person mistyping a token never meets it; a
 * guesser gets 14,400 tries a day against a token of 64 bits or more.
 */
export const DEFAULT_AUTH_FAILURE_LIMIT: Readonly<RateLimit> = Object.freeze({ limit: 10, intervalMs: 60_000 });

const AUTH_FAILURE_LIMIT_EXAMPLE = `${AUTH_FAILURE_LIMIT_SETTING}=10/1m (or 100/1h; off for no limit)`;

/**
 * Parse `CONVEYOR_AUTH_FAILURE_LIMIT`: failed authentications (wrong bearer tokens, failed logins)
 * each client address may make per interval, as `<failures>/<interval>` like
 * `CONVEYOR_API_RATE_LIMIT`; `off` for no limit. Unset or blank gives 10 per minute.
 *
 * @example parseAuthFailureLimit('20/1m') // { limit: 20, intervalMs: 60000 }
 */
export function parseAuthFailureLimit(value: string | undefined, setting: string = AUTH_FAILURE_LIMIT_SETTING): RateLimit | null {
  return parseRateSetting(value, { setting, noun: 'failures', fallback: DEFAULT_AUTH_FAILURE_LIMIT, example: AUTH_FAILURE_LIMIT_EXAMPLE });
}

interface RateSetting {
  setting: string;
  /** What is counted, plural: `jobs`. */
  noun: string;
  fallback: Readonly<RateLimit>;
  example: string;
}

function parseRateSetting(value: string | undefined, { setting, noun, fallback, example }: RateSetting): RateLimit | null {
  if (value === undefined || value.trim() === '') return { ...fallback };
  const text = value.trim().toLowerCase();
  if (text === 'off') return null;
  const match = RATE_LIMIT_PATTERN.exec(text);
  if (match === null) throw new ConveyorConfigError(setting, `${JSON.stringify(value)} is not <${noun}>/<interval>`, example);
  const limit = Number(match[1]);
  const intervalMs = Number(match[2] === '' ? 1 : match[2]) * UNIT_MS[match[3] as keyof typeof UNIT_MS];
  if (limit < 1 || !Number.isSafeInteger(limit)) throw new ConveyorConfigError(setting, `allows ${match[1]} ${noun}; it must be a whole number of at least 1`, example);
  if (intervalMs < 1 || !Number.isSafeInteger(intervalMs)) throw new ConveyorConfigError(setting, `has an interval of ${intervalMs} ms; it must be at least 1 ms`, example);
  return { limit, intervalMs };
}

export const EVENT_STREAMS_PER_TOKEN_SETTING = 'CONVEYOR_EVENT_STREAMS_PER_TOKEN';

/**
 * Parse `CONVEYOR_EVENT_STREAMS_PER_TOKEN`: the most `GET /events` streams one token may hold open on
 * a server; 0 for no cap. Unset or blank gives `fallback`.
 *
 * @example parseEventStreamsPerToken('64', 32) // 64
 */
export function parseEventStreamsPerToken(value: string | undefined, fallback: number, setting: string = EVENT_STREAMS_PER_TOKEN_SETTING): number {
  if (value === undefined || value.trim() === '') return fallback;
  const streams = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(streams)) throw new ConveyorConfigError(setting, `${JSON.stringify(value)} is not a whole number of streams (0 for no cap)`, `${setting}=${fallback}`);
  return streams;
}
