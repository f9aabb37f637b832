/** The worker registry on the SQLite store (`store.workers`): one statement each. */
import { dependenciesToJson, handlersIgnoringAbortToJson } from '../store/encoding.js';
import type { DependencyStatus, HandlerIgnoringAbort, WorkerRecord, WorkerStore } from '../store/store.js';
import * as sql from './queries.js';
import { workerFromRow, workerToParams, type WorkerRow } from './rows.js';
import type { PreparedStatements } from './statements.js';

export class SqliteWorkers implements WorkerStore {
  constructor(private readonly db: PreparedStatements) {}

  async register(params: { worker: WorkerRecord }): Promise<void> {
    this.db.run(sql.WORKER_REGISTER, workerToParams(params.worker));
  }

  async heartbeat(params: { id: string; now: Date; handlersIgnoringAbort: HandlerIgnoringAbort[]; dependencies: DependencyStatus[] }): Promise<boolean> {
    const handlersIgnoringAbort = JSON.stringify(handlersIgnoringAbortToJson(params.handlersIgnoringAbort));
    const dependencies = JSON.stringify(dependenciesToJson(params.dependencies));
    return this.db.run(sql.WORKER_HEARTBEAT, { id: params.id, now: params.now.getTime(), handlersIgnoringAbort, dependencies }) === 1;
  }

  async deregister(params: { id: string }): Promise<void> {
    this.db.run(sql.WORKER_DEREGISTER, { id: params.id });
  }

  async list(): Promise<WorkerRecord[]> {
    return this.db.all<WorkerRow>(sql.WORKER_LIST).map(workerFromRow);
  }

  async prune(params: { heartbeatBefore: Date }): Promise<number> {
    return this.db.run(sql.WORKER_PRUNE, { heartbeatBefore: params.heartbeatBefore.getTime() });
  }
}
