/**
 * A child process the example starts (Conveyor's server, a worker, the app): its stdout read line by
 * line to learn when it is ready, its stderr (the JSON logs) appended to a log file, and a `stop()`
 * that asks politely (SIGTERM), then insists (SIGKILL), and is safe to call twice.
 *
 * If this process exits without stopping its children (an uncaught error), they are SIGKILLed so
 * nothing is left holding a port or the SQLite file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface StartChildOptions {
  /** Names it in errors (`conveyor worker`). */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where its stderr goes (appended); its tail is also kept for error messages. */
  logFile: string;
}

export interface RunningChild {
  name: string;
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** The first stdout line matching `pattern`; rejects if the process exits first or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of its stderr, for an error message. */
  stderrTail(): string;
}

const STDERR_TAIL_CHARS = 3_000;
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startChild(options: StartChildOptions): RunningChild {
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const lines: string[] = [];
  let tail = '';
  let exitStatus: string | undefined;
  const exited = new Promise<void>((done) => {
    child.once('error', (error) => {
      exitStatus = `could not be started: ${error.message}`;
      done();
    });
    child.once('exit', (code, signal) => {
      exitStatus = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
      done();
    });
  }).then(() => {
    running.delete(child);
    log.end();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
  });
  const lineListeners = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const listener of lineListeners) listener();
  });

  const describe = (): string => `${options.name} (${options.command} ${options.args.join(' ')})`;
  const stderrTail = (): string => tail.trim() || '(no stderr)';

  function waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (error: Error | undefined, match?: RegExpExecArray): void => {
        clearTimeout(timer);
        lineListeners.delete(check);
        if (error !== undefined) reject(error);
        else resolve(match!);
      };
      const check = (): void => {
        for (const line of lines) {
          const match = pattern.exec(line);
          if (match !== null) return finish(undefined, match);
        }
      };
      timer = setTimeout(
        () => finish(new Error(`${describe()} printed no line matching ${pattern} within ${timeoutMs} ms.\nstdout:\n${lines.join('\n')}\nstderr (tail):\n${stderrTail()}`)),
        timeoutMs,
      );
      lineListeners.add(check);
      void exited.then(() =>
        finish(new Error(`${describe()} exited (${exitStatus}) before printing a line matching ${pattern}.\nstdout:\n${lines.join('\n')}\nstderr (tail):\n${stderrTail()}`)),
      );
      check();
    });
  }

  let stopping: Promise<void> | undefined;
  function stop(graceMs = 15_000): Promise<void> {
    stopping ??= (async () => {
      if (exitStatus !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  }

  return { name: options.name, child, lines, waitForLine, stop, stderrTail };
}
