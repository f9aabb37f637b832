/**
 * pg-boss 12 as BENCH-NOTES sets it up: `useListenNotify: true`, the queue created with
 * `notify: true`, and `work(name, { localConcurrency, batchSize: 100, burstWhenBatchFull: true,
 * pollingIntervalSeconds: 0.5 })`. Bulk enqueue is `insert`, single enqueue `send`. Each instance
 * has its own schema (pg-boss's `schema` option).
 *
 * pg-boss's `localConcurrency` is the number of polling workers, each taking a batch of up to 100
 * jobs: at "concurrency 10" it holds up to 1,000 jobs at once where the others hold 10 (plus their
 * local queues). That is its documented fastest shape, so it is what is compared.
 */
import { PgBoss } from 'pg-boss';
import { analyzeSchema, checkPostgres, countRows, dropSchema, freshSchemaName, quoteIdentifier } from '../postgres-admin.js';
import { BENCH_QUEUE, chunks, type Environment, type JobPayload, type OnJob, type QueueSystem, type RunningWorkers, type SystemDefinition } from '../system.js';

const BATCH_SIZE = 100;
const POLLING_INTERVAL_SECONDS = 0.5;

class PgBossSystem implements QueueSystem {
  private constructor(
    private readonly environment: Environment,
    readonly location: string,
    private readonly boss: PgBoss,
    private readonly owner: boolean,
  ) {}

  static async open(environment: Environment, schema: string, owner: boolean): Promise<PgBossSystem> {
    const boss = new PgBoss({ connectionString: environment.postgresUrl, schema, useListenNotify: true });
    boss.on('error', (error) => process.stderr.write(`pg-boss: ${error.message}\n`));
    // Among them "listen_notify_unavailable": the run would then not be on the settings it claims.
    boss.on('warning', (warning) => process.stderr.write(`pg-boss warning: ${warning.message}\n`));
    await boss.start();
    if (owner) await boss.createQueue(BENCH_QUEUE, { notify: true });
    return new PgBossSystem(environment, schema, boss, owner);
  }

  async enqueueBulk(count: number): Promise<void> {
    for (const slice of chunks(count)) await this.boss.insert(BENCH_QUEUE, slice.map((data) => ({ data })));
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    await this.boss.send(BENCH_QUEUE, payload);
  }

  async startWorkers(concurrency: number, onJob: OnJob): Promise<RunningWorkers> {
    const options = { localConcurrency: concurrency, batchSize: BATCH_SIZE, burstWhenBatchFull: true, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS };
    await this.boss.work<JobPayload>(BENCH_QUEUE, options, async (jobs) => {
      for (const job of jobs) onJob(job.data);
    });
    return { stop: () => this.boss.offWork(BENCH_QUEUE, { wait: true }) };
  }

  /** Jobs in a state before `completed` (created, retry, active: the enum is ordered). */
  async pendingCount(): Promise<number> {
    return countRows(this.environment.postgresUrl, `SELECT count(*) FROM ${quoteIdentifier(this.location)}.job WHERE name = $1 AND state < 'completed'`, [BENCH_QUEUE]);
  }

  async analyze(): Promise<void> {
    await analyzeSchema(this.environment.postgresUrl, this.location);
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: true, close: true });
    if (this.owner) await dropSchema(this.environment.postgresUrl, this.location);
  }
}

export const pgBoss: SystemDefinition = {
  name: 'pg-boss',
  family: 'postgres',
  multiProcess: true,
  check: (environment) => checkPostgres(environment.postgresUrl),
  async create(environment) {
    const schema = freshSchemaName(environment.postgresUrl, 'pgboss');
    try {
      return await PgBossSystem.open(environment, schema, true);
    } catch (error) {
      await dropSchema(environment.postgresUrl, schema);
      throw error;
    }
  },
  attach: (environment, schema) => PgBossSystem.open(environment, schema, false),
};
