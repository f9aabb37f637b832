/**
 * The whole example running: Conveyor's server (API and dashboard), one worker and the example app,
 * on one store, with a token and a link-signing key made for the run unless given. run.ts and the
 * test both start it this way; `stop()` stops everything it started.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { dataPaths, DATA_DIR_SETTING, type DataPaths } from './config.js';
import { assertBuilt, ProcessGroup, startApp, startServer, startWorker, type ManagedProcess, type WorkerOptions } from './processes.js';

export interface StackOptions {
  dataDir: string;
  /** A store URL; default `sqlite:<dataDir>/conveyor.db`. */
  store?: string;
  /** The API token; default a random one. */
  token?: string;
  /** CONVEYOR_ARTIFACT_SIGNING_KEY; default a random one. */
  signingKey?: string;
  worker?: WorkerOptions;
  echoStderr?: boolean;
}

export interface Stack {
  group: ProcessGroup;
  paths: DataPaths;
  store: string;
  token: string;
  /** Conveyor's server: API, dashboard, signed links. */
  serverUrl: string;
  appUrl: string;
  /** The environment every process of the run shares (store, token, signing key, public URL, data folder). */
  env: NodeJS.ProcessEnv;
  server: ManagedProcess;
  worker: ManagedProcess;
  app: ManagedProcess;
  stop(): Promise<void>;
}

/** A token `conveyor serve` accepts: 32 random bytes, base64url. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export async function startStack(options: StackOptions): Promise<Stack> {
  assertBuilt();
  const paths = dataPaths(options.dataDir);
  mkdirSync(paths.root, { recursive: true });
  const store = options.store ?? `sqlite:${join(paths.root, 'conveyor.db')}`;
  const token = options.token ?? randomToken();
  const env: NodeJS.ProcessEnv = {
    CONVEYOR_STORE: store,
    CONVEYOR_API_TOKENS: token,
    CONVEYOR_ARTIFACT_SIGNING_KEY: options.signingKey ?? randomBytes(32).toString('hex'),
    [DATA_DIR_SETTING]: paths.root,
  };
  const group = new ProcessGroup();
  const echo = { echoStderr: options.echoStderr ?? false };
  try {
    const server = await startServer(group, env, echo);
    // Links are served by Conveyor's server, so they start with its address.
    env.CONVEYOR_PUBLIC_URL = server.url;
    const [worker, app] = await Promise.all([startWorker(group, env, { ...echo, ...options.worker }), startApp(group, env, echo)]);
    return { group, paths, store, token, serverUrl: server.url, appUrl: app.url, env, server: server.process, worker, app: app.process, stop: () => group.stopAll() };
  } catch (error) {
    await group.stopAll(2_000);
    throw error;
  }
}
