/**
 * The configuration part of `conveyor doctor`: every setting as the commands would read it, parsed by
 * the very functions `serve` and `worker` call (so doctor and the server never disagree), with
 * passwords redacted and tokens never shown. Pure: it reads only the values it is handed.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ARTIFACT_SIGNING_KEY_SETTING, ARTIFACTS_DIR_SETTING } from '../artifacts/env.js';
import { checkSigningKey } from '../artifacts/signed-links.js';
import { ConveyorConfigError } from '../errors.js';
import { parseStoreUrl, redactStoreUrl, resolveStoreUrl } from '../config.js';
import { ok, type Finding } from '../insights/diagnosis.js';
import {
  API_RATE_LIMIT_SETTING,
  API_TOKENS_SETTING,
  AUTH_FAILURE_LIMIT_SETTING,
  EVENT_STREAMS_PER_TOKEN_SETTING,
  parseApiTokens,
  parseAuthFailureLimit,
  parseEnqueueRateLimit,
  parseEventStreamsPerToken,
  type RateLimit,
} from '../server/config.js';
import { DEFAULT_MAX_STREAMS_PER_TOKEN } from '../server/routes/events.js';
import { resolveServerLimits } from '../server/server-limits.js';

export interface ConfigInput {
  /** The global `--store`, if given. */
  storeOption: string | undefined;
  env: Record<string, string | undefined>;
  /** Doctor's `--queues`, as typed: the list a worker would be started with. */
  queues: string | undefined;
}

export interface ConfigDiagnosis {
  findings: Finding[];
  /** The store to check, or null when its URL does not parse. */
  store: { url: string; setting: string; redacted: string } | null;
}

export function diagnoseConfig(input: ConfigInput): ConfigDiagnosis {
  const { findings: storeFindings, store } = storeUrlFindings(input);
  return {
    store,
    findings: [...storeFindings, ...serverSettingFindings(input.env), ...artifactSettingFindings(input.env), ...(input.queues === undefined ? [] : [queuesFinding(input.queues)])],
  };
}

function storeUrlFindings({ storeOption, env }: ConfigInput): ConfigDiagnosis {
  const { url, setting } = storeOption === undefined ? resolveStoreUrl(undefined, env) : { url: storeOption, setting: '--store' };
  const findings: Finding[] = [];
  const fromEnv = env.CONVEYOR_STORE;
  if (storeOption !== undefined && fromEnv !== undefined) {
    findings.push({
      severity: 'warning',
      area: 'config',
      check: 'store-url',
      cause: `the store is given twice: --store ${redactStoreUrl(storeOption)} and CONVEYOR_STORE=${redactStoreUrl(fromEnv)}; --store wins${storeOption === fromEnv ? ' (the same URL)' : ', so a process started without it uses another store'}`,
      fix: 'set the store in one place: unset CONVEYOR_STORE or drop --store',
    });
  }
  try {
    const location = parseStoreUrl(url, setting);
    findings.push(ok('config', 'store-url', `${setting}: ${redactStoreUrl(url)} (${location.dialect})`));
    return { findings, store: { url, setting, redacted: redactStoreUrl(url) } };
  } catch (error) {
    if (!(error instanceof ConveyorConfigError)) throw error;
    findings.push({ severity: 'error', area: 'config', check: 'store-url', cause: `${error.setting}: ${error.problem}`, fix: `set ${error.setting} to a store URL, e.g. ${error.example}` });
    return { findings, store: null };
  }
}

/** The settings `conveyor serve` reads from the environment, each parsed as it parses them. */
function serverSettingFindings(env: Record<string, string | undefined>): Finding[] {
  const tokens = env[API_TOKENS_SETTING];
  const tokenFinding: Finding =
    tokens === undefined || tokens.trim() === ''
      ? {
          severity: 'warning',
          area: 'config',
          check: 'api-tokens',
          cause: `${API_TOKENS_SETTING} is not set: \`conveyor serve\` refuses to start without a bearer token (workers and the other commands do not need it)`,
          fix: `where the server runs: ${API_TOKENS_SETTING}=$(openssl rand -hex 32)`,
        }
      : setting('api-tokens', () => `${API_TOKENS_SETTING}: ${parseApiTokens(tokens).length} token(s), each strong enough and listed once (not shown)`);
  return [
    tokenFinding,
    setting('api-rate-limit', () => `${API_RATE_LIMIT_SETTING}: ${rate(parseEnqueueRateLimit(env[API_RATE_LIMIT_SETTING]), 'jobs enqueued per token')}${defaulted(env, API_RATE_LIMIT_SETTING)}`),
    setting('auth-failure-limit', () => `${AUTH_FAILURE_LIMIT_SETTING}: ${rate(parseAuthFailureLimit(env[AUTH_FAILURE_LIMIT_SETTING]), 'failed authentications per client address')}${defaulted(env, AUTH_FAILURE_LIMIT_SETTING)}`),
    setting('event-streams-per-token', () => {
      const streams = parseEventStreamsPerToken(env[EVENT_STREAMS_PER_TOKEN_SETTING], DEFAULT_MAX_STREAMS_PER_TOKEN);
      return `${EVENT_STREAMS_PER_TOKEN_SETTING}: ${streams === 0 ? 'no cap' : `${streams} open GET /events stream(s) per token`}${defaulted(env, EVENT_STREAMS_PER_TOKEN_SETTING)}`;
    }),
    setting('http-limits', () => {
      const limits = resolveServerLimits(env);
      return `CONVEYOR_HTTP_*: headers within ${limits.headersTimeoutMs} ms, requests within ${limits.requestTimeoutMs} ms, keep-alive ${limits.keepAliveTimeoutMs} ms, ${limits.maxConnections} connections, ${limits.maxConnectionsPerAddress === 0 ? 'no cap' : limits.maxConnectionsPerAddress} per address`;
    }),
  ];
}

/** Where artifacts' bytes live and whether signed download links can be made, as `openCliConveyor` reads them. */
function artifactSettingFindings(env: Record<string, string | undefined>): Finding[] {
  const key = env[ARTIFACT_SIGNING_KEY_SETTING]?.trim() ?? '';
  const keyFinding: Finding =
    key === ''
      ? {
          severity: 'warning',
          area: 'config',
          check: 'artifact-signing-key',
          cause: `${ARTIFACT_SIGNING_KEY_SETTING} is not set: signed download links of artifacts are off (POST /jobs/{id}/artifacts/{name}/link answers 409); downloads with the API token still work`,
          fix: `set the same key for every server and worker: ${ARTIFACT_SIGNING_KEY_SETTING}=$(openssl rand -hex 32)`,
        }
      : setting('artifact-signing-key', () => {
          checkSigningKey(key, ARTIFACT_SIGNING_KEY_SETTING);
          return `${ARTIFACT_SIGNING_KEY_SETTING}: set (not shown)`;
        });
  return [keyFinding, artifactsDirFinding(env[ARTIFACTS_DIR_SETTING]?.trim() ?? '')];
}

/** The directory every worker and server keeps artifacts in must exist and take writes; unset, they are in the store. */
function artifactsDirFinding(dir: string): Finding {
  if (dir === '') return ok('config', 'artifacts-dir', `${ARTIFACTS_DIR_SETTING}: not set, so artifacts' bytes are kept in the store`);
  const path = resolve(dir);
  const problem = directoryProblem(path);
  if (problem === null) return ok('config', 'artifacts-dir', `${ARTIFACTS_DIR_SETTING}: artifacts' bytes are kept in ${path}`);
  return {
    severity: 'error',
    area: 'config',
    check: 'artifacts-dir',
    cause: `${ARTIFACTS_DIR_SETTING}=${dir}: ${path} ${problem}, so workers cannot store artifacts there`,
    fix: `create it, writable by the user running workers and servers (mkdir -p ${path}), or point ${ARTIFACTS_DIR_SETTING} at the directory they share`,
  };
}

function directoryProblem(path: string): string | null {
  try {
    if (!statSync(path).isDirectory()) return 'is not a directory';
  } catch {
    return 'does not exist';
  }
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return null;
  } catch {
    return 'is not writable';
  }
}

/** An ok finding with what `read` returns, or an error naming the setting, what is wrong and a right value. */
function setting(check: string, read: () => string): Finding {
  try {
    return ok('config', check, read());
  } catch (error) {
    if (!(error instanceof ConveyorConfigError)) throw error;
    return { severity: 'error', area: 'config', check, cause: `${error.setting}: ${error.problem}; \`conveyor serve\` refuses to start`, fix: `set it as ${error.example}` };
  }
}

function rate(limit: RateLimit | null, what: string): string {
  return limit === null ? `off (no limit on ${what})` : `${limit.limit} ${what} per ${limit.intervalMs} ms`;
}

function defaulted(env: Record<string, string | undefined>, name: string): string {
  return env[name] === undefined || env[name]!.trim() === '' ? ' (default)' : '';
}

/** A worker's `--queues` list: an empty entry is refused by `conveyor worker`; a repeated one is a slip. */
function queuesFinding(value: string): Finding {
  const queues = value.split(',').map((queue) => queue.trim());
  if (queues.some((queue) => queue === '')) {
    return { severity: 'error', area: 'config', check: 'queues', cause: `--queues ${value} has an empty entry: \`conveyor worker\` refuses it`, fix: 'separate queue names with single commas, e.g. --queues default,reports' };
  }
  const repeated = [...new Set(queues.filter((queue, index) => queues.indexOf(queue) !== index))];
  if (repeated.length > 0) {
    return {
      severity: 'warning',
      area: 'config',
      check: 'queues',
      cause: `--queues ${value} lists ${repeated.map((queue) => `"${queue}"`).join(', ')} more than once`,
      fix: `list each queue once: --queues ${[...new Set(queues)].join(',')}`,
    };
  }
  return ok('config', 'queues', `--queues: ${queues.join(', ')}, each once`);
}
