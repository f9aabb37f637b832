/**
 * graphile-worker 0.18 with the batching its performance page documents (BENCH-NOTES): a local queue
 * of 100 jobs per pool (`preset.worker.localQueue.size`) and completions batched with
 * `completeJobBatchDelay: 0`. New jobs reach workers through its LISTEN/NOTIFY. Bulk enqueue is
 * `addJobs`, single enqueue `addJob`, both through `makeWorkerUtils`. Each instance has its own schema.
 */
import { Logger, makeWorkerUtils, run, runMigrations, type WorkerUtils } from 'graphile-worker';
import { analyzeSchema, checkPostgres, countRows, dropSchema, freshSchemaName, quoteIdentifier } from '../postgres-admin.js';
import { BENCH_QUEUE, chunks, type Environment, type JobPayload, type OnJob, type QueueSystem, type RunningWorkers, type SystemDefinition } from '../system.js';

/** Jobs each worker pool fetches (and locks) at once; BENCH-NOTES' figure. */
const LOCAL_QUEUE_SIZE = 100;
/** graphile-worker's own pool-size advice: 10 or concurrency + 2, whichever is larger. */
const poolSize = (concurrency: number): number => Math.max(10, concurrency + 2);

const silent = new Logger(() => () => undefined);

class GraphileWorkerSystem implements QueueSystem {
  private constructor(
    private readonly environment: Environment,
    readonly location: string,
    private readonly utils: WorkerUtils,
    private readonly owner: boolean,
  ) {}

  static async open(environment: Environment, schema: string, owner: boolean): Promise<GraphileWorkerSystem> {
    const options = { connectionString: environment.postgresUrl, schema, logger: silent };
    if (owner) await runMigrations(options);
    return new GraphileWorkerSystem(environment, schema, await makeWorkerUtils(options), owner);
  }

  async enqueueBulk(count: number): Promise<void> {
    for (const slice of chunks(count)) await this.utils.addJobs(slice.map((payload) => ({ identifier: BENCH_QUEUE, payload })));
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    await this.utils.addJob(BENCH_QUEUE, payload);
  }

  async startWorkers(concurrency: number, onJob: OnJob): Promise<RunningWorkers> {
    const runner = await run({
      taskList: { [BENCH_QUEUE]: (payload) => onJob(payload as JobPayload) },
      crontab: '', // no schedules: skip looking for a crontab file
      noHandleSignals: true,
      preset: {
        worker: {
          connectionString: this.environment.postgresUrl,
          schema: this.location,
          logger: silent,
          concurrentJobs: concurrency,
          maxPoolSize: poolSize(concurrency),
          localQueue: { size: LOCAL_QUEUE_SIZE },
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        },
      },
    });
    return { stop: () => runner.stop() };
  }

  /** Finished jobs are deleted; what is left in the documented `jobs` view is pending (or permanently failed, which a no-op never is). */
  async pendingCount(): Promise<number> {
    return countRows(this.environment.postgresUrl, `SELECT count(*) FROM ${quoteIdentifier(this.location)}.jobs`);
  }

  async analyze(): Promise<void> {
    await analyzeSchema(this.environment.postgresUrl, this.location);
  }

  async close(): Promise<void> {
    await this.utils.release();
    if (this.owner) await dropSchema(this.environment.postgresUrl, this.location);
  }
}

export const graphileWorker: SystemDefinition = {
  name: 'graphile-worker',
  family: 'postgres',
  multiProcess: true,
  check: (environment) => checkPostgres(environment.postgresUrl),
  async create(environment) {
    const schema = freshSchemaName(environment.postgresUrl, 'graphile');
    try {
      return await GraphileWorkerSystem.open(environment, schema, true);
    } catch (error) {
      await dropSchema(environment.postgresUrl, schema);
      throw error;
    }
  },
  attach: (environment, schema) => GraphileWorkerSystem.open(environment, schema, false),
};
