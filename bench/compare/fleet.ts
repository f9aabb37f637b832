/**
 * The workers of one measurement, in this process or in worker processes, behind one shape: start
 * them, wait until their handlers have seen a number of jobs, stop them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { wallClockMs } from '../postgres/jobs.js';
import type { ChildMessage, ParentMessage } from './fleet-messages.js';
import type { Environment, JobPayload, QueueSystem, RunningWorkers } from './system.js';

/** A worker process's memory: resident set size, and the V8 heap its live objects use. */
export interface ProcessMemory {
  rss: number;
  heapUsed: number;
}

const WORKER_ENTRY = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
/** The tsx beside this bench, so worker processes load TypeScript whatever the working directory. */
const TSX = import.meta.resolve('tsx');

/** Every worker process not yet exited, so an interrupted bench can kill them before it drops their schemas. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILL every worker process still running (on exit or interrupt: a bench must not leave workers behind). */
export function killWorkerProcesses(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

/** Jobs handlers have seen, and start − enqueue of the latency jobs among them; waits resolve as counts are reached. */
export class HandledTally {
  handled = 0;
  readonly latencies: number[] = [];
  private readonly waiters = new Set<{ count: number; resolve: () => void; reject: (error: Error) => void }>();
  private failure: Error | null = null;

  /** For in-process workers: count the job and time its start. */
  readonly onJob = (payload: JobPayload): void => {
    this.add(1, payload.enqueuedAt !== undefined && payload.n >= 0 ? [wallClockMs() - payload.enqueuedAt] : []);
  };

  add(count: number, latencies: number[]): void {
    this.handled += count;
    this.latencies.push(...latencies);
    for (const waiter of this.waiters) if (this.handled >= waiter.count) waiter.resolve();
  }

  fail(error: Error): void {
    this.failure = error;
    for (const waiter of this.waiters) waiter.reject(error);
  }

  /** Resolves once `count` jobs were handled; rejects after `timeoutMs` or when a worker process fails. */
  until(count: number, timeoutMs: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.handled >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        count,
        resolve: () => settle(resolve),
        reject: (error: Error) => settle(() => reject(error)),
      };
      const timer = setTimeout(() => waiter.reject(new Error(`${this.handled} of ${count} jobs handled after ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      const settle = (then: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        then();
      };
      this.waiters.add(waiter);
    });
  }
}

export interface Fleet {
  readonly tally: HandledTally;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Workers in this process, on the bench's own instance of the system. */
export function inProcessFleet(system: QueueSystem, concurrency: number): Fleet {
  const tally = new HandledTally();
  let workers: RunningWorkers | null = null;
  return {
    tally,
    async start() {
      workers = await system.startWorkers(concurrency, tally.onJob);
    },
    async stop() {
      await workers?.stop();
    },
  };
}

export interface ProcessFleetOptions {
  key: string;
  location: string;
  processes: number;
  concurrency: number;
  environment: Environment;
  /** Let the processes collect garbage before they report RSS. */
  exposeGc?: boolean;
}

/** Worker processes, each attached to the state at `location`; `spawn` resolves once all are connected and idle. */
export class ProcessFleet implements Fleet {
  readonly tally = new HandledTally();
  private readonly memoryWaiters: Array<(memory: ProcessMemory) => void> = [];

  private constructor(private readonly children: ChildProcess[]) {}

  static async spawn(options: ProcessFleetOptions): Promise<ProcessFleet> {
    const execArgv = ['--import', TSX, ...(options.exposeGc === true ? ['--expose-gc'] : [])];
    const args = [options.key, options.location, String(options.concurrency), JSON.stringify(options.environment)];
    const children = Array.from({ length: options.processes }, () => fork(WORKER_ENTRY, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    if (!exitHookInstalled) process.once('exit', killWorkerProcesses);
    exitHookInstalled = true;
    for (const child of children) {
      liveChildren.add(child);
      child.once('exit', () => liveChildren.delete(child));
    }
    const fleet = new ProcessFleet(children);
    try {
      await Promise.all(children.map((child) => fleet.watch(child)));
    } catch (error) {
      for (const child of children) child.kill('SIGKILL');
      throw error;
    }
    return fleet;
  }

  /** Route the child's messages; resolves when it is ready, rejects if it fails or exits first. */
  private watch(child: ChildProcess): Promise<void> {
    return new Promise((resolve, reject) => {
      let stopping = false;
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'handled') this.tally.add(message.count, message.latencies);
        else if (message.type === 'rss') this.memoryWaiters.shift()?.({ rss: message.rss, heapUsed: message.heapUsed });
        else if (message.type === 'stopped') stopping = true;
        else if (message.type === 'error') this.tally.fail(new Error(`worker process: ${message.message}`));
      });
      child.once('exit', (code) => {
        const error = new Error(`worker process exited with code ${code}`);
        reject(error);
        if (!stopping) this.tally.fail(error);
      });
    });
  }

  async start(): Promise<void> {
    for (const child of this.children) this.send(child, { type: 'start' });
  }

  /** Each process's resident set size and live heap in bytes, after a full garbage collection when `exposeGc` was set. */
  async memory(): Promise<ProcessMemory[]> {
    const answers = this.children.map(() => new Promise<ProcessMemory>((resolve) => this.memoryWaiters.push(resolve)));
    for (const child of this.children) this.send(child, { type: 'rss' });
    return Promise.all(answers);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null || !child.connected) return;
        const exited = once(child, 'exit');
        this.send(child, { type: 'stop' });
        await exited;
      }),
    );
  }

  private send(child: ChildProcess, message: ParentMessage): void {
    child.send(message);
  }
}
