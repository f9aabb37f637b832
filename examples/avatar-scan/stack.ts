/**
 * Everything the avatar-scan example runs, started in order and stopped in reverse:
 *
 * 1. clamd, private, on 127.0.0.1 (clamav/clamd-process.ts), unless AVATAR_CLAMD_URL names one;
 * 2. Conveyor's HTTP server and dashboard: `node dist/cli/main.js serve --tasks examples/avatar-scan/tasks.ts`
 *    (first, alone, so that one process applies the store's migrations);
 * 3. a worker: `node dist/cli/main.js worker examples/avatar-scan/tasks.ts`;
 * 4. the app (app-main.ts).
 *
 * Each is a real process talking to the others over loopback and through the store, as they would
 * in production. `run.ts` and the test share this, so the test checks what a user runs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningChild, startChild } from './child-process.js';
import { type RunningClamd, startClamd } from './clamav/clamd-process.js';
import { CLAMD_URL_SETTING, DATA_DIR_SETTING, parseClamdUrl } from './config.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_MAIN = join(REPO_ROOT, 'dist/cli/main.js');
export const TASKS_MODULE = 'examples/avatar-scan/tasks.ts';
const APP_MAIN = 'examples/avatar-scan/app-main.ts';

const START_TIMEOUT_MS = 60_000;

export interface AvatarStackOptions {
  /** Uploads, logs and (by default) the SQLite store live here. */
  dataDir: string;
  /** A store URL; default `sqlite:<dataDir>/conveyor.db`. */
  store?: string;
  /** A clamd already running (`tcp://host:port`); default: start a private one. */
  clamdUrl?: string;
  /** Port of Conveyor's server; default 0, a free one. */
  conveyorPort?: number;
  /** Port of the app; default 0, a free one. */
  appPort?: number;
  /** The server's API token; default a new random one (32 bytes, hex). */
  token?: string;
  /** Extra environment for every child (CONVEYOR_LOG_LEVEL…). */
  env?: NodeJS.ProcessEnv;
}

export interface AvatarStack {
  store: string;
  token: string;
  /** Conveyor's server: API and dashboard. */
  conveyorUrl: string;
  appUrl: string;
  clamdUrl: string;
  dataDir: string;
  /** Where each child's stderr (its JSON logs) is appended. */
  logDir: string;
  /** The clamd this stack started; null when it uses one given by AVATAR_CLAMD_URL. */
  clamd: RunningClamd | null;
  server: RunningChild;
  worker: RunningChild;
  app: RunningChild;
  /** Stop the private clamd (the worker then holds scans back until it is started again). */
  stopClamd(): Promise<void>;
  /** Start the private clamd again, on the same port. */
  restartClamd(): Promise<void>;
  /** Stop every process it started, the last started first. Safe to call twice. */
  stop(): Promise<void>;
}

/** A token `conveyor serve` accepts: 64 hex characters (256 bits). */
export function newApiToken(): string {
  return randomBytes(32).toString('hex');
}

/** Start the whole example; if any part fails to start, the parts already started are stopped and the error names the part. */
export async function startAvatarStack(options: AvatarStackOptions): Promise<AvatarStack> {
  if (!existsSync(CLI_MAIN)) {
    throw new Error(`${CLI_MAIN} is missing: run \`npm run build\` in ${REPO_ROOT} first (the example runs the built \`conveyor\` CLI and imports the built package)`);
  }
  const dataDir = options.dataDir;
  const logDir = join(dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const store = options.store ?? `sqlite:${join(dataDir, 'conveyor.db')}`;
  const token = options.token ?? newApiToken();

  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async (): Promise<void> => {
    for (const part of started.splice(0).reverse()) await part.stop().catch(() => undefined);
  };

  try {
    let clamd: RunningClamd | null = null;
    let clamdUrl = options.clamdUrl;
    if (clamdUrl === undefined) {
      clamd = await startClamd();
      clamdUrl = clamd.url;
    } else {
      parseClamdUrl(clamdUrl); // a malformed URL fails here, not in three children at once
    }
    const clamdPort = parseClamdUrl(clamdUrl).port;
    // `clamd` changes when it is restarted; the list calls whichever is current.
    started.push({ stop: () => clamd?.stop() ?? Promise.resolve() });

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CONVEYOR_LOG_LEVEL: 'info',
      ...options.env,
      CONVEYOR_STORE: store,
      CONVEYOR_API_TOKENS: token,
      [CLAMD_URL_SETTING]: clamdUrl,
      [DATA_DIR_SETTING]: dataDir,
    };
    const child = (name: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): RunningChild => {
      const running = startChild({ name, command: process.execPath, args, cwd: REPO_ROOT, env: { ...env, ...extraEnv }, logFile: join(logDir, `${name}.log`) });
      started.push(running);
      return running;
    };

    const server = child('server', [CLI_MAIN, 'serve', '--tasks', TASKS_MODULE, '--port', String(options.conveyorPort ?? 0)]);
    const [, conveyorUrl] = await server.waitForLine(/listening on (http:\/\/\S+) /, START_TIMEOUT_MS);
    const worker = child('worker', [CLI_MAIN, 'worker', TASKS_MODULE, '--concurrency', '2']);
    const app = child('app', ['--import', 'tsx', APP_MAIN], { AVATAR_APP_PORT: String(options.appPort ?? 0) });
    const [[, appUrl]] = await Promise.all([
      app.waitForLine(/listening on (http:\/\/\S+)/, START_TIMEOUT_MS),
      worker.waitForLine(/^conveyor worker \S+ serving/, START_TIMEOUT_MS),
    ]);

    return {
      store,
      token,
      conveyorUrl: conveyorUrl!,
      appUrl: appUrl!,
      clamdUrl,
      dataDir,
      logDir,
      get clamd() {
        return clamd;
      },
      server,
      worker,
      app,
      stopClamd: async () => {
        if (clamd === null) throw new Error(`this stack did not start clamd (it uses ${clamdUrl}), so it cannot stop it`);
        await clamd.stop();
      },
      restartClamd: async () => {
        if (clamd === null) throw new Error(`this stack did not start clamd (it uses ${clamdUrl}), so it cannot start it`);
        clamd = await startClamd({ port: clamdPort });
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
