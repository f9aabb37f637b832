/**
 * Conveyor behind the comparison's interface, through its public API: `enqueueMany`, `enqueue`,
 * `createWorker`, and the store's own count of unfinished jobs. The SQLite and PostgreSQL adapters
 * differ only in where the state lives.
 */
import { z } from 'zod';
import { Conveyor, defineTask, UNFINISHED_STATES, type EnqueueItem, type Task } from '../../../src/index.js';
import { PostgresStore } from '../../../src/postgres/index.js';
import { silentLogger } from '../../shared.js';
import { BENCH_QUEUE, chunks, type JobPayload, type OnJob, type QueueSystem, type RunningWorkers } from '../system.js';

const TASK = 'bench.compare';
/** Jobs a worker claims ahead of its free slots (`WorkerOptions.prefetch`). */
export const CONVEYOR_PREFETCH = 100;
const input = z.object({ n: z.int(), enqueuedAt: z.number().optional() });

/** The task a worker runs: it hands each payload to `onJob`. */
function benchTask(onJob: OnJob): Task {
  return defineTask({ name: TASK, queue: BENCH_QUEUE, input, run: (payload) => onJob(payload) });
}

/** What an enqueuing client needs: the same name, queue and schema, no handler. */
const enqueueTask = benchTask(() => undefined);

export interface ConveyorSystemOptions {
  /** Passed to worker processes, which open the store at `storeUrl` themselves. */
  location: string;
  storeUrl: string;
  /** Deletes the state after close; left out by an instance attached to state another process made. */
  remove?: () => Promise<void>;
  /** Refreshes planner statistics (PostgreSQL). */
  analyze?: () => Promise<void>;
}

export class ConveyorSystem implements QueueSystem {
  readonly location: string;
  /** Where the store is, for Conveyor-only workloads that start processes of their own. */
  readonly storeUrl: string;

  private constructor(
    private readonly conveyor: Conveyor,
    private readonly options: ConveyorSystemOptions,
  ) {
    this.location = options.location;
    this.storeUrl = options.storeUrl;
  }

  /** Open (and migrate) the store at `options.storeUrl`. */
  static async open(options: ConveyorSystemOptions): Promise<ConveyorSystem> {
    return new ConveyorSystem(await Conveyor.open({ store: options.storeUrl, logger: silentLogger }), options);
  }

  async enqueueBulk(count: number): Promise<void> {
    for (const slice of chunks(count)) {
      await this.conveyor.enqueueMany(slice.map((payload): EnqueueItem => ({ task: enqueueTask, input: payload })));
    }
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    await this.conveyor.enqueue(enqueueTask, payload);
  }

  async startWorkers(concurrency: number, onJob: OnJob): Promise<RunningWorkers> {
    // prefetch 100: the same jobs-in-hand as graphile-worker's localQueue.size and pg-boss's batchSize.
    const worker = this.conveyor.createWorker({ tasks: [benchTask(onJob)], concurrency, prefetch: CONVEYOR_PREFETCH });
    await worker.start();
    // A worker subscribes before it registers; on PostgreSQL wait until its LISTEN is in place.
    if (this.conveyor.store instanceof PostgresStore) await this.conveyor.store.noticesReady();
    return { stop: () => worker.stop() };
  }

  async pendingCount(): Promise<number> {
    const counts = await this.conveyor.store.jobs.countByGroup({ states: [...UNFINISHED_STATES] });
    return counts.reduce((sum, group) => sum + group.count, 0);
  }

  async analyze(): Promise<void> {
    await this.options.analyze?.();
  }

  async close(): Promise<void> {
    await this.conveyor.close();
    await this.options.remove?.();
  }
}
