/**
 * Starting and stopping the example's processes: Conveyor's server (`conveyor serve`: API and
 * dashboard), workers (`conveyor worker`), and the example app. Shared by run.ts, bench.ts and the
 * test, so each starts them the same way and stops everything it started, even when a step fails.
 *
 * The commands run from the built package (dist/), as an installed `conveyor` would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(EXAMPLE_DIR, '../..');
export const CLI_MAIN = join(REPO_ROOT, 'dist/cli/main.js');
export const TASKS_MODULE = join(EXAMPLE_DIR, 'tasks.ts');
const APP_MAIN = join(EXAMPLE_DIR, 'serve-app.ts');

/** The example runs the built package: say how to get it rather than failing on an import. */
export function assertBuilt(): void {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run \`npm run build\` in ${REPO_ROOT} first`);
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match in stdout; rejects when it exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves once it has exited, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (a graceful stop: in-flight jobs finish), then SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL: what a crash or an OOM kill does. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Copy its stderr to ours, each line prefixed with its name (run.ts shows the workers' warnings). */
  echoStderr?: boolean;
}

/** The processes one run started; `stopAll` stops every one still running. */
export class ProcessGroup {
  private readonly running = new Set<ManagedProcess>();

  /** Start `node …args` in the repository root, with `env` added to this process's environment. */
  start(name: string, args: string[], env: NodeJS.ProcessEnv, options: StartOptions = {}): ManagedProcess {
    // The caller's settings over this process's environment (PATH…), with Conveyor's logs at warn unless told.
    const childEnv = { ...process.env, CONVEYOR_LOG_LEVEL: process.env.CONVEYOR_LOG_LEVEL ?? 'warn', ...env };
    // Detached: a Ctrl-C in the terminal reaches only the parent, which then stops its children in
    // order (app and workers first, in-flight jobs finishing) instead of each getting the signal at once.
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      if (options.echoStderr === true) process.stderr.write(chunk.replace(/^(?=.)/gm, `[${name}] `));
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
      child.once('exit', (code, signal) => resolveExit({ code, signal }));
      child.once('error', (error) => {
        err += `${error.message}\n`;
        resolveExit({ code: null, signal: null });
      });
    });
    const managed: ManagedProcess = {
      name,
      child,
      stdout: () => out,
      stderr: () => err,
      exited,
      waitFor: (pattern, timeoutMs = 30_000) =>
        new Promise((resolveMatch, reject) => {
          const check = (): boolean => {
            const match = out.match(pattern);
            if (match === null) return false;
            cleanup();
            resolveMatch(match);
            return true;
          };
          const onData = (): void => void check();
          const timer = setTimeout(() => {
            cleanup();
            reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
          }, timeoutMs);
          const cleanup = (): void => {
            clearTimeout(timer);
            child.stdout!.off('data', onData);
          };
          void exited.then(({ code, signal }) => {
            if (check()) return;
            cleanup();
            reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before printing ${pattern}\nstdout:\n${out}\nstderr:\n${err}`));
          });
          child.stdout!.on('data', onData);
          check();
        }),
      stop: async (graceMs = 10_000) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      },
      kill: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
    this.running.add(managed);
    void exited.then(() => this.running.delete(managed));
    return managed;
  }

  /** Stop every process still running, newest first (the app and workers before the server). */
  async stopAll(graceMs = 10_000): Promise<void> {
    for (const managed of [...this.running].reverse()) await managed.stop(graceMs);
  }

  /** For a `process.on('exit')` handler, where nothing can be awaited: SIGKILL whatever is left. */
  killAllNow(): void {
    for (const managed of this.running) managed.child.kill('SIGKILL');
  }
}

/** `conveyor serve` on a free loopback port; resolves with its address once it listens. */
export async function startServer(group: ProcessGroup, env: NodeJS.ProcessEnv, options: StartOptions = {}): Promise<{ process: ManagedProcess; url: string }> {
  const server = group.start('server', [CLI_MAIN, 'serve', '--tasks', TASKS_MODULE, '--port', '0'], env, options);
  const [, url] = await server.waitFor(/listening on (http:\/\/[^\s]+) with/);
  return { process: server, url: url! };
}

export interface WorkerOptions extends StartOptions {
  name?: string;
  concurrency?: number;
  /** `--queues`: only these queues. */
  queues?: string[];
  /** More `conveyor worker` flags, e.g. ['--lease-ms', '3000']. */
  args?: string[];
}

/** `conveyor worker examples/image-pipeline/tasks.ts`; resolves once it is registered and claiming. */
export async function startWorker(group: ProcessGroup, env: NodeJS.ProcessEnv, options: WorkerOptions = {}): Promise<ManagedProcess> {
  const args = [CLI_MAIN, 'worker', TASKS_MODULE, '--concurrency', String(options.concurrency ?? 2)];
  if (options.queues !== undefined) args.push('--queues', options.queues.join(','));
  const worker = group.start(options.name ?? 'worker', [...args, ...(options.args ?? [])], env, options);
  await worker.waitFor(/conveyor worker \S+ serving/);
  return worker;
}

/** The example app (serve-app.ts) on a free loopback port; resolves with its address once it listens. */
export async function startApp(group: ProcessGroup, env: NodeJS.ProcessEnv, options: StartOptions = {}): Promise<{ process: ManagedProcess; url: string }> {
  const app = group.start('app', ['--import', 'tsx', APP_MAIN], env, options);
  const [, url] = await app.waitFor(/listening on (http:\/\/[^\s]+)/);
  return { process: app, url: url! };
}
