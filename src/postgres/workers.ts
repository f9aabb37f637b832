/**
 * The registry of workers on PostgreSQL: each worker registers, heartbeats and deregisters itself, one
 * statement each; maintenance prunes those whose heartbeat stopped.
 */
import { dependenciesToJson, handlersIgnoringAbortToJson, taskShapesToJson } from '../store/encoding.js';
import type { DependencyStatus, HandlerIgnoringAbort, WorkerRecord, WorkerStore } from '../store/store.js';
import type { PostgresAccess } from './access.js';
import type { PostgresQueries } from './queries.js';
import { workerFromRow, type WorkerRow } from './rows.js';

export class PostgresWorkers implements WorkerStore {
  constructor(
    private readonly db: PostgresAccess,
    private readonly sql: PostgresQueries,
  ) {}

  async register(params: { worker: WorkerRecord }): Promise<void> {
    const { worker } = params;
    await this.db.run(this.db.pool, this.sql.WORKER_REGISTER, [
      worker.id,
      worker.host,
      worker.pid,
      worker.queues,
      worker.tasks,
      worker.concurrency,
      worker.startedAt,
      worker.lastHeartbeatAt,
      JSON.stringify(handlersIgnoringAbortToJson(worker.handlersIgnoringAbort)),
      JSON.stringify(dependenciesToJson(worker.dependencies)),
      JSON.stringify(taskShapesToJson(worker.taskShapes)),
    ]);
  }

  async heartbeat(params: { id: string; now: Date; handlersIgnoringAbort: HandlerIgnoringAbort[]; dependencies: DependencyStatus[] }): Promise<boolean> {
    const handlers = JSON.stringify(handlersIgnoringAbortToJson(params.handlersIgnoringAbort));
    const dependencies = JSON.stringify(dependenciesToJson(params.dependencies));
    return (await this.db.run(this.db.pool, this.sql.WORKER_HEARTBEAT, [params.id, params.now, handlers, dependencies])) === 1;
  }

  async deregister(params: { id: string }): Promise<void> {
    await this.db.run(this.db.pool, this.sql.WORKER_DEREGISTER, [params.id]);
  }

  async list(): Promise<WorkerRecord[]> {
    return (await this.db.all<WorkerRow>(this.db.pool, this.sql.WORKER_LIST, [])).map(workerFromRow);
  }

  async prune(params: { heartbeatBefore: Date }): Promise<number> {
    return this.db.run(this.db.pool, this.sql.WORKER_PRUNE, [params.heartbeatBefore]);
  }
}
