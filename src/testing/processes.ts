/** Child processes for tests: real worker and producer processes that can be SIGKILLed. */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface TestProcess {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves once `condition` holds for the stdout lines so far, waiting up to `timeoutMs`. */
  waitUntil(condition: (lines: string[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves with the first stdout line matching. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Run a TypeScript file of `src/testing/fixtures/` in a new Node process (through tsx). */
export function spawnFixture(file: string, env: Record<string, string>): TestProcess {
  const path = fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', path], {
    env: { ...process.env, CONVEYOR_LOG_LEVEL: process.env.CONVEYOR_LOG_LEVEL ?? 'silent', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  const changed = new EventEmitter();
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    changed.emit('line');
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  void exited.then(() => changed.emit('exit'));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  function waitUntil(condition: (lines: string[]) => boolean, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        cleanup();
        reject(new Error(`${file}: ${why}; stdout:\n${lines.join('\n')}\nstderr:\n${stderr.join('')}`));
      };
      const check = () => {
        if (condition(lines)) {
          cleanup();
          resolve();
        } else if (hasExited) {
          fail('exited before the awaited output');
        }
      };
      const timer = setTimeout(() => fail(`awaited output not seen within ${timeoutMs} ms`), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        changed.off('line', check).off('exit', check);
      };
      changed.on('line', check).on('exit', check);
      check();
    });
  }

  return {
    child,
    lines,
    exited,
    waitUntil,
    async waitForLine(match, timeoutMs) {
      await waitUntil((seen) => seen.some(match), timeoutMs);
      return lines.find(match) as string;
    },
  };
}

/** SIGKILL a process and wait until it is gone. */
export async function killHard(process: TestProcess): Promise<void> {
  process.child.kill('SIGKILL');
  await process.exited;
}
