/**
 * One run of each steps measurement, through Conveyor's public API only. Drains start the clock
 * before `worker.start()` and stop it when the store says nothing is queued or running (BENCH-NOTES).
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Conveyor, type EnqueueItem, type Task } from '../../src/index.js';
import { wallClockMs } from '../postgres/jobs.js';
import { noop, POLL_INTERVAL_MS, silentLogger, sleep, startChild, stopChild } from '../shared.js';
import { GO_EVENT, stepsTask, waitTask } from './tasks.js';

const CHUNK = 1000;
const DRAIN_CONCURRENCY = 10;
/** Parking many waits is setup: run it wide. */
const PARK_CONCURRENCY = 50;
const WAKE_TIMEOUT_MS = 10_000;
/**
 * Between two sends, so each wake is timed on an idle worker: 20 ms plus a random part as long as a
 * poll interval. A fixed pause would send each event at the same point of a polling worker's cycle
 * (a wake found by polling comes at a poll, so the next send would always land 20 ms after one).
 */
const sendSpacingMs = (): number => 20 + Math.random() * POLL_INTERVAL_MS;

function open(storeUrl: string): Promise<Conveyor> {
  return Conveyor.open({ store: storeUrl, logger: silentLogger });
}

async function enqueueAll(conveyor: Conveyor, count: number, item: (n: number) => EnqueueItem): Promise<void> {
  for (let from = 0; from < count; from += CHUNK) {
    const items: EnqueueItem[] = [];
    for (let n = from; n < Math.min(count, from + CHUNK); n++) items.push(item(n));
    await conveyor.enqueueMany(items);
  }
}

async function waitUntilNothingPending(conveyor: Conveyor): Promise<void> {
  while ((await conveyor.listJobs({ states: ['queued', 'running'] }, { limit: 1 })).jobs.length > 0) await sleep(1);
}

/** Seconds for one in-process worker to take `count` jobs (already enqueued) until none is pending. */
async function timeDrain(conveyor: Conveyor, tasks: Task[], count: number, concurrency: number): Promise<number> {
  const worker = conveyor.createWorker({ tasks, concurrency });
  let settled = 0;
  const allSettled = new Promise<void>((resolve) => worker.on('job-settled', () => ++settled === count && resolve()));
  const start = performance.now();
  await worker.start();
  await allSettled;
  await waitUntilNothingPending(conveyor);
  const seconds = (performance.now() - start) / 1000;
  await worker.stop();
  return seconds;
}

/** jobs/s of one worker draining `count` jobs of `task`, enqueued now, beside whatever the store holds. */
async function drainJobs(storeUrl: string, count: number, task: Task, input: (n: number) => unknown): Promise<number> {
  const conveyor = await open(storeUrl);
  try {
    await enqueueAll(conveyor, count, (n) => ({ task, input: input(n) }));
    return count / (await timeDrain(conveyor, [task], count, DRAIN_CONCURRENCY));
  } finally {
    await conveyor.close();
  }
}

/** jobs/s of one worker draining `count` jobs whose handler runs `steps` no-op steps. */
export function drainWithSteps(storeUrl: string, count: number, steps: number): Promise<number> {
  return drainJobs(storeUrl, count, stepsTask, () => ({ steps }));
}

/** jobs/s of one worker draining `count` plain no-op jobs, enqueued now, beside whatever the store holds. */
export function drainPlain(storeUrl: string, count: number): Promise<number> {
  return drainJobs(storeUrl, count, noop, (n) => ({ n }));
}

/** Leave `count` jobs waiting for `bench.go` with keys 0…count−1 (each job run once by a real worker); returns seconds taken. */
export async function parkWaitingJobs(storeUrl: string, count: number): Promise<number> {
  const conveyor = await open(storeUrl);
  try {
    const task = waitTask(() => {
      throw new Error('a parked job resumed while parking');
    });
    await enqueueAll(conveyor, count, (key) => ({ task, input: { key } }));
    const seconds = await timeDrain(conveyor, [task], count, PARK_CONCURRENCY);
    const scheduled = await conveyor.listJobs({ states: ['scheduled'], task: task.name }, { limit: 1 });
    if (scheduled.jobs.length === 0) throw new Error('no job was left waiting');
    return seconds;
  } finally {
    await conveyor.close();
  }
}

/** Lines a child prints, each handed to every waiter whose test it passes. */
class ChildLines {
  private readonly waiters = new Set<{ test: (line: string) => boolean; resolve: (line: string) => void }>();

  constructor(child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      for (const waiter of this.waiters) if (waiter.test(line)) (this.waiters.delete(waiter), waiter.resolve(line));
    });
  }

  next(test: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => (this.waiters.delete(waiter), reject(new Error(`no ${what} within ${timeoutMs} ms`))), timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

async function withWorkerProcess<T>(storeUrl: string, use: (child: ChildProcess, lines: ChildLines) => Promise<T>): Promise<T> {
  const child = await startChild('./steps/step-worker-process.ts', [storeUrl]);
  try {
    return await use(child, new ChildLines(child));
  } finally {
    await stopChild(child);
  }
}

/** RSS and heap in MB of a worker process that ran idle on the store for `idleMs` (several polls and a maintenance pass). */
export async function workerMemory(storeUrl: string, idleMs: number): Promise<{ rssMb: number; heapMb: number }> {
  return withWorkerProcess(storeUrl, async (child, lines) => {
    await sleep(idleMs);
    const reply = lines.next((line) => line.startsWith('memory '), 5000, 'memory line');
    child.kill('SIGUSR2');
    const [, rss, heap] = (await reply).split(' ');
    return { rssMb: Number(rss) / 2 ** 20, heapMb: Number(heap) / 2 ** 20 };
  });
}

export interface WakeSample {
  /** The `sendEvent` call itself. */
  sendMs: number;
  /** From just before `sendEvent` to the handler in the worker process returning from its wait. */
  resumeMs: number;
}

/** Send `bench.go` to each of `keys` in turn (each waited for by one job); the worker is another process. */
export async function wakeOneByOne(storeUrl: string, keys: number[]): Promise<WakeSample[]> {
  return withWorkerProcess(storeUrl, async (_child, lines) => {
    const conveyor = await open(storeUrl);
    try {
      const samples: WakeSample[] = [];
      for (const key of keys) {
        const resumed = lines.next((line) => line.startsWith(`resumed ${key} `), WAKE_TIMEOUT_MS, `resume of key ${key}`);
        const sentAt = wallClockMs();
        const { resolvedJobIds } = await conveyor.sendEvent(GO_EVENT, { key });
        const sendMs = wallClockMs() - sentAt;
        if (resolvedJobIds.length !== 1) throw new Error(`sendEvent for key ${key} resolved ${resolvedJobIds.length} jobs, expected 1`);
        const resumedAt = Number((await resumed).split(' ')[2]);
        samples.push({ sendMs, resumeMs: resumedAt - sentAt });
        await sleep(sendSpacingMs());
      }
      return samples;
    } finally {
      await conveyor.close();
    }
  });
}
