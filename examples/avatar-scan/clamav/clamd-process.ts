/**
 * Start a private clamd for tests and for running the avatar-scan example on one machine: its own
 * config, its own copy of our EICAR-only signature database, a port of its own on 127.0.0.1, all in
 * a temporary directory removed again by `stop()`.
 *
 * It never touches the system clamd (its socket, its /var/lib/clamav databases, its service), and
 * needs no signature download: `test-signatures.hdb` detects the EICAR test file and nothing else.
 *
 * Run as a script to keep one up until Ctrl-C:
 *   node --import tsx examples/avatar-scan/clamav/clamd-process.ts [port]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderClamdConfig } from './clamd-config.js';
import { ping } from './instream.js';

export interface StartClamdOptions {
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** Parent of the temporary directory clamd works in (default: the OS temp directory). */
  dir?: string;
  /** Longest stream clamd accepts, in clamd.conf syntax (default `25M`). */
  streamMaxLength?: string;
  /** How long to wait for clamd to answer PING after it is spawned (default 60 s). */
  startTimeoutMs?: number;
}

export interface RunningClamd {
  host: '127.0.0.1';
  port: number;
  /** `tcp://127.0.0.1:<port>`, the form a worker's configuration takes. */
  url: string;
  /** Stop clamd (SIGTERM, then SIGKILL after 10 s) and remove its temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/** The signature database shipped next to this file; clamd gets a copy, never this path. */
export const SHIPPED_SIGNATURES = fileURLToPath(new URL('./test-signatures.hdb', import.meta.url));

const DEBIAN_CLAMD = '/usr/sbin/clamd';
const DEFAULT_START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** The clamd executable: Debian's /usr/sbin/clamd, else `clamd` on PATH, else undefined. */
export function findClamd(): string | undefined {
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const candidate of [DEBIAN_CLAMD, ...pathDirs.map((dir) => join(dir, 'clamd'))]) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here; try the next place
    }
  }
  return undefined;
}

/** Whether `startClamd` can find a clamd to run (so tests can say why they cannot). */
export function clamdAvailable(): boolean {
  return findClamd() !== undefined;
}

/** Start clamd and resolve once it answers PING; rejects with clamd's own last words if it does not. */
export async function startClamd(options: StartClamdOptions = {}): Promise<RunningClamd> {
  const executable = findClamd();
  if (executable === undefined) {
    throw new Error(
      `startClamd: no clamd found at ${DEBIAN_CLAMD} or on PATH. Install it (Debian/Ubuntu: apt-get install clamav-daemon); the system service need not run.`,
    );
  }
  const port = options.port !== undefined && options.port !== 0 ? options.port : await freeLoopbackPort();
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  const workDirectory = await mkdtemp(join(options.dir ?? tmpdir(), 'conveyor-clamd-'));
  const databaseDirectory = join(workDirectory, 'db');
  const configFile = join(workDirectory, 'clamd.conf');
  const logFile = join(workDirectory, 'clamd.log');
  try {
    await mkdir(databaseDirectory);
    await mkdir(join(workDirectory, 'tmp'));
    await copyFile(SHIPPED_SIGNATURES, join(databaseDirectory, 'test-signatures.hdb'));
    const config = renderClamdConfig({
      port,
      databaseDirectory,
      workDirectory,
      streamMaxLength: options.streamMaxLength ?? '25M',
      maxThreads: 2,
    });
    await writeFile(configFile, config);
  } catch (error) {
    await rm(workDirectory, { recursive: true, force: true });
    throw error;
  }

  const child = spawn(executable, [`--config-file=${configFile}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureTail(child);
  const exited = watchExit(child);
  // A test runner that exits without calling stop() must not leave a clamd behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      await terminate(child, exited.promise);
      await rm(workDirectory, { recursive: true, force: true });
    })();
    return stopping;
  };

  const address = { host: '127.0.0.1' as const, port };
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited.status !== undefined) {
      const why = await lastWords(output, logFile);
      await stop();
      throw new Error(`startClamd: clamd (${executable}, port ${port}) exited while starting (${exited.status}).\n${why}`);
    }
    try {
      await ping(address, undefined, 1_000);
      break;
    } catch (error) {
      if (Date.now() >= deadline) {
        const why = await lastWords(output, logFile);
        await stop();
        throw new Error(
          `startClamd: clamd (${executable}) did not answer PING on 127.0.0.1:${port} within ${startTimeoutMs} ms ` +
            `(last try: ${(error as Error).message}). Raise startTimeoutMs if the machine is slow.\n${why}`,
        );
      }
      await new Promise((wake) => setTimeout(wake, 100));
    }
  }
  return { ...address, url: `tcp://127.0.0.1:${port}`, stop };
}

/** A port the kernel just gave out on 127.0.0.1 (and took back): free unless someone races us to it. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((found, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const bound = server.address();
      server.close(() => (typeof bound === 'object' && bound !== null ? found(bound.port) : fail(new Error('no port'))));
    });
  });
}

function captureTail(child: ChildProcess): { text: string } {
  const tail = { text: '' };
  const keep = (bytes: Buffer): void => {
    tail.text = (tail.text + bytes.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return tail;
}

function watchExit(child: ChildProcess): { status: string | undefined; promise: Promise<void> } {
  const watch: { status: string | undefined; promise: Promise<void> } = { status: undefined, promise: Promise.resolve() };
  watch.promise = new Promise<void>((done) => {
    child.once('error', (error) => {
      watch.status = `could not be spawned: ${error.message}`;
      done();
    });
    child.once('exit', (code, signal) => {
      watch.status = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
      done();
    });
  });
  return watch;
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timeout'>((wake) => {
    timer = setTimeout(() => wake('timeout'), STOP_GRACE_MS);
  });
  if ((await Promise.race([exited.then(() => 'exited' as const), gaveUp])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

/** The end of clamd's stdout/stderr and of its log file, for error messages. */
async function lastWords(output: { text: string }, logFile: string): Promise<string> {
  let log = '(no log file)';
  try {
    const handle = await open(logFile, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, OUTPUT_TAIL_CHARS);
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, size - length);
      log = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    // clamd may have died before creating it
  }
  return `--- clamd stdout/stderr (tail) ---\n${output.text.trim() || '(nothing)'}\n--- ${logFile} (tail) ---\n${log.trim()}`;
}

/** Script mode: start one and print its URL until Ctrl-C. */
async function main(): Promise<void> {
  const portArgument = process.argv[2];
  const port = portArgument === undefined ? undefined : Number(portArgument);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new Error(`clamd-process: the port argument must be a whole number from 0 to 65535, got ${JSON.stringify(portArgument)}`);
  }
  const started = Date.now();
  const clamd = await startClamd(port === undefined ? {} : { port });
  console.log(`clamd is answering at ${clamd.url} (started in ${Date.now() - started} ms); Ctrl-C stops it`);
  const shutdown = (): void => {
    void clamd.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
