/**
 * BullMQ on Redis, as BENCH-NOTES sets it up: `Queue.addBulk` for bulk, `Queue.add` for one job,
 * `Worker({ concurrency })`, jobs added with `removeOnComplete: true`. Each instance lives under its
 * own key prefix (BullMQ's `prefix` option) and is obliterated on close.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { BENCH_QUEUE, chunks, type Environment, type JobPayload, type OnJob, type QueueSystem, type RunningWorkers, type SystemDefinition } from '../system.js';

const JOB_NAME = 'noop';
/** Every state a job is in before it is finished (with `removeOnComplete` it is then deleted). */
const PENDING_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

let prefixesMade = 0;

function connection(environment: Environment): ConnectionOptions {
  const url = new URL(environment.redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
  };
}

class BullmqSystem implements QueueSystem {
  private readonly queue: Queue<JobPayload>;

  constructor(
    private readonly environment: Environment,
    readonly location: string,
    private readonly owner: boolean,
  ) {
    this.queue = new Queue<JobPayload>(BENCH_QUEUE, { connection: connection(environment), prefix: location, defaultJobOptions: { removeOnComplete: true } });
  }

  async ready(): Promise<this> {
    await this.queue.waitUntilReady();
    return this;
  }

  async enqueueBulk(count: number): Promise<void> {
    for (const slice of chunks(count)) await this.queue.addBulk(slice.map((data) => ({ name: JOB_NAME, data })));
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    await this.queue.add(JOB_NAME, payload);
  }

  async startWorkers(concurrency: number, onJob: OnJob): Promise<RunningWorkers> {
    const worker = new Worker<JobPayload>(BENCH_QUEUE, async (job) => onJob(job.data), { connection: connection(this.environment), prefix: this.location, concurrency });
    worker.on('error', (error) => process.stderr.write(`BullMQ worker: ${error.message}\n`));
    await worker.waitUntilReady();
    return { stop: () => worker.close() };
  }

  async pendingCount(): Promise<number> {
    const counts = await this.queue.getJobCounts(...PENDING_STATES);
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  async analyze(): Promise<void> {}

  async close(): Promise<void> {
    if (this.owner) await this.queue.obliterate({ force: true });
    await this.queue.close();
  }
}

export const bullmq: SystemDefinition = {
  name: 'BullMQ',
  family: 'redis',
  multiProcess: true,
  async check(environment) {
    const client = new Redis(environment.redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // ioredis rejects with "Connection is closed"; the cause (ECONNREFUSED …) comes as an error event.
    let cause: Error | null = null;
    client.on('error', (error: Error) => (cause ??= error));
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      throw new Error(`cannot reach Redis at ${environment.redisUrl}: ${(cause ?? (error as Error)).message}`);
    } finally {
      client.disconnect();
    }
  },
  async create(environment) {
    prefixesMade += 1;
    return new BullmqSystem(environment, `bench-${process.pid}-${prefixesMade}`, true).ready();
  },
  async attach(environment, prefix) {
    return new BullmqSystem(environment, prefix, false).ready();
  },
};
