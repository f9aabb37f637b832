/**
 * Child processes the runner and the test start, and stop again whatever happens: each is a real
 * `node` process (so it can be SIGKILLed like a crashed server), its stdout read line by line.
 * A `ProcessGroup` remembers every process it started; `stopAll()` ends them (SIGTERM, then SIGKILL
 * after a grace period), and a last-resort `exit` hook SIGKILLs any left when the parent exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface StartOptions {
  /** Shown in messages and before echoed lines: `ingest-1`, `worker`. */
  name: string;
  /** Arguments after `node`. */
  args: string[];
  cwd: string;
  /** Added to this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Told every line the process writes, e.g. to print it. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How much of a process's output an error message quotes. */
const TAIL_LINES = 30;

export class ManagedProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    onLine?: StartOptions['onLine'],
  ) {
    const read = (stream: 'stdout' | 'stderr', into: string[]) =>
      createInterface({ input: child[stream]! }).on('line', (line) => {
        into.push(line);
        onLine?.(line, stream);
        this.listeners.forEach((listener) => listener());
      });
    read('stdout', this.stdout);
    read('stderr', this.stderr);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.listeners.forEach((listener) => listener());
        resolve(this.exit);
      });
      // A process that could not start at all (no such file) exits through 'error'.
      child.once('error', (error) => {
        this.stderr.push(`could not start: ${error.message}`);
        this.exit ??= { code: null, signal: null };
        this.listeners.forEach((listener) => listener());
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** Resolves with the first stdout line matching `pattern`; rejects when the process exits first or time runs out. */
  waitForLine(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        for (const line of this.stdout) {
          const match = line.match(pattern);
          if (match !== null) return finish(() => resolve(match));
        }
        if (this.exit !== null) finish(() => reject(this.failure(`exited (${describeExit(this.exit!)}) before printing a line matching ${pattern}`)));
      };
      const timer = setTimeout(() => finish(() => reject(this.failure(`printed no line matching ${pattern} within ${timeoutMs} ms`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** SIGKILL, as a crash or `kill -9` would; resolves once the process is gone. */
  async kill(): Promise<Exit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5_000): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** An error naming the process, with the end of what it printed. */
  failure(what: string): Error {
    const tail = (lines: string[]) => (lines.length === 0 ? '  (nothing)' : lines.slice(-TAIL_LINES).map((line) => `  ${line}`).join('\n'));
    return new Error(`${this.name} (pid ${this.pid ?? '?'}) ${what}\nstdout:\n${tail(this.stdout)}\nstderr:\n${tail(this.stderr)}`);
  }
}

export function describeExit({ code, signal }: Exit): string {
  return signal !== null ? `signal ${signal}` : `code ${code ?? '?'}`;
}

/** The processes one run started, so all of them stop with it. */
export class ProcessGroup {
  private readonly processes = new Set<ManagedProcess>();
  private readonly onParentExit = (): void => this.killAllNow();

  constructor() {
    // The last resort: whatever way the parent exits, no child outlives it.
    process.on('exit', this.onParentExit);
  }

  start(options: StartOptions): ManagedProcess {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    // Each child in a process group of its own: a Ctrl-C in the terminal reaches only the parent, which
    // then stops the children once, in order (SIGTERM, then SIGKILL), instead of them all at once.
    const child = spawn(process.execPath, options.args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const managed = new ManagedProcess(options.name, child, options.onLine);
    this.processes.add(managed);
    void managed.exited.then(() => this.processes.delete(managed));
    return managed;
  }

  /** The processes still running. */
  get running(): ManagedProcess[] {
    return [...this.processes].filter((managed) => managed.running);
  }

  /** Stop every process still running, at once, each with SIGTERM then SIGKILL. */
  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all(this.running.map((managed) => managed.stop(graceMs)));
  }

  /** SIGKILL everything still running, synchronously (from an `exit` handler). */
  killAllNow(): void {
    for (const managed of this.running) managed.child.kill('SIGKILL');
  }

  /** Stop everything and forget the exit hook (when the group is done for good). */
  async close(graceMs = 5_000): Promise<void> {
    await this.stopAll(graceMs);
    process.off('exit', this.onParentExit);
  }
}
