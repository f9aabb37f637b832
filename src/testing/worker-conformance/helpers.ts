/** Helpers shared by the worker conformance tests. */
import { afterEach, beforeEach } from 'vitest';
import { pino } from 'pino';
import { Conveyor, type ConveyorOptions } from '../../conveyor.js';
import type { WorkerOptions } from '../../worker/options.js';
import type { StoreConnectionState } from '../../worker/store-connection.js';
import type { Worker } from '../../worker/worker.js';
import type { WorkerHarness, WorkerHarnessFactory } from '../worker-harness.js';

export const silentLogger = pino({ level: process.env.CONVEYOR_LOG_LEVEL ?? 'silent' });

/** Fast rhythms so tests finish quickly; every test still waits on events, not on these. */
export const FAST_WORKER: Omit<WorkerOptions, 'tasks'> = {
  pollIntervalMs: 20,
  heartbeatIntervalMs: 50,
  leaseMs: 2_000,
  drainMs: 2_000,
  maintenance: { intervalMs: 20 },
};

export interface TestContext {
  harness: WorkerHarness;
  open(options?: Omit<ConveyorOptions, 'store'>): Promise<Conveyor>;
  /** Create and start a worker with the fast defaults. */
  startWorker(conveyor: Conveyor, options: WorkerOptions): Promise<Worker>;
}

/** Per-test harness and cleanup: every Conveyor opened is closed after the test. */
export function useHarness(createHarness: WorkerHarnessFactory): TestContext {
  const opened: Conveyor[] = [];
  const context = {} as TestContext;
  beforeEach(async () => {
    context.harness = await createHarness();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((conveyor) => conveyor.close()));
    await context.harness.destroy();
  });
  context.open = async (options = {}) => {
    const conveyor = await Conveyor.open({ logger: silentLogger, ...options, store: context.harness.storeUrl });
    opened.push(conveyor);
    return conveyor;
  };
  context.startWorker = async (conveyor, options) => {
    const worker = conveyor.createWorker({ ...FAST_WORKER, ...options });
    await worker.start();
    return worker;
  };
  return context;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves when the handler's signal fires, with the signal's reason. */
export function whenAborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/** Resolves when the worker reports `state` for its store connection (the `store-connection` event). */
export function whenStoreConnection(worker: Worker, state: StoreConnectionState): Promise<void> {
  return new Promise((resolve) => {
    const listener = (status: { state: StoreConnectionState }) => {
      if (status.state !== state) return;
      worker.off('store-connection', listener);
      resolve();
    };
    worker.on('store-connection', listener);
  });
}

/** `target` with one property answered by `value`, and every method bound to `target`. */
export function replacing<T extends object, K extends keyof T>(target: T, name: K, value: T[K]): T {
  return new Proxy(target, {
    get(object, key) {
      if (key === name) return value;
      const found: unknown = Reflect.get(object, key, object);
      return typeof found === 'function' ? found.bind(object) : found;
    },
  });
}
