/**
 * The `Store` on one SQLite file, shared by any number of worker processes: one part per file
 * (`jobs.ts`, `flows.ts`, `job-events.ts`, `workers.ts`, `sessions.ts`, `queues.ts`, `schedules.ts`,
 * `artifacts.ts`, `steps.ts`, `migrator.ts`), all on one connection.
 *
 * Concurrency: SQLite allows one writer at a time per file. Every write of more than one statement
 * runs in a `BEGIN IMMEDIATE` transaction, which takes the write lock up front (waiting up to the
 * busy timeout), so a read that decides a write can never be overtaken by another process between
 * the two. Single statements are atomic by themselves. Readers never wait, thanks to WAL.
 */
import type Database from 'better-sqlite3';
import type { Store, StoreCapabilities, StoreNotice, StoreWritability } from '../store/store.js';
import type { SqliteFile } from './file-health.js';
import { SqliteArtifactChunks, SqliteArtifacts } from './artifacts.js';
import { CancelRequestsSeen } from './cancel-requests.js';
import { DatabaseChangeWatcher } from './change-watcher.js';
import { SqliteFlows } from './flows.js';
import { SqliteJobEvents } from './job-events.js';
import { SqliteJobs } from './jobs.js';
import { SqliteMigrator } from './migrator.js';
import * as sql from './queries.js';
import { SqliteQueues } from './queues.js';
import { SqliteSchedules } from './schedules.js';
import { SqliteSessions } from './sessions.js';
import { PreparedStatements } from './statements.js';
import { SqliteSteps } from './steps.js';
import { SqliteWorkers } from './workers.js';

/** The SQLite implementation of {@link Store}. Open one with `openSqliteStore`. */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly capabilities: StoreCapabilities = { transactionalEnqueue: false, crossProcessWakeUp: false, eventsInCommitOrder: true };

  readonly migrations: SqliteMigrator;
  readonly jobs: SqliteJobs;
  readonly flows: SqliteFlows;
  readonly events: SqliteJobEvents;
  readonly workers: SqliteWorkers;
  readonly sessions: SqliteSessions;
  readonly queues: SqliteQueues;
  readonly schedules: SqliteSchedules;
  readonly artifacts: SqliteArtifacts;
  readonly artifactChunks: SqliteArtifactChunks;
  readonly steps: SqliteSteps;

  private readonly db: PreparedStatements;
  private readonly watchers = new Set<DatabaseChangeWatcher>();

  /**
   * @param connection an open connection, with its pragmas already set (see `openSqliteStore`).
   * @param file the file it opened, watched for faults; null for `:memory:`.
   */
  constructor(
    connection: Database.Database,
    private readonly file: SqliteFile | null = null,
  ) {
    this.db = new PreparedStatements(connection, file);
    this.migrations = new SqliteMigrator(this.db);
    this.flows = new SqliteFlows(this.db);
    this.jobs = new SqliteJobs(this.db, this.flows);
    this.events = new SqliteJobEvents(this.db);
    this.workers = new SqliteWorkers(this.db);
    this.sessions = new SqliteSessions(this.db);
    this.queues = new SqliteQueues(this.db);
    this.schedules = new SqliteSchedules(this.db, (job, now) => this.jobs.insertOne(job, now));
    this.artifacts = new SqliteArtifacts(this.db);
    this.artifactChunks = new SqliteArtifactChunks(this.db);
    this.steps = new SqliteSteps(this.db);
  }

  /**
   * SQLite sends no facts between processes; each listener hears `store-changed` when another process
   * committed to the file (see `DatabaseChangeWatcher`), so a worker looks for work at once, and
   * `cancel-requested` once for each running job whose cancel that commit (or an earlier one) requested.
   * `:memory:` is this process's alone: nothing to hear.
   */
  noticeListen(listener: (notice: StoreNotice) => void): () => void {
    if (this.file === null) return () => undefined;
    const cancels = new CancelRequestsSeen(() => this.db.all<{ id: number }>(sql.JOB_RUNNING_CANCEL_REQUESTED).map((row) => String(row.id)));
    const onChange = () => {
      listener({ kind: 'store-changed' });
      let untold: string[];
      try {
        untold = cancels.untold();
      } catch {
        // Not readable now (closed, or not yet migrated): workers still learn of cancels at their heartbeat.
        return;
      }
      for (const jobId of untold) listener({ kind: 'cancel-requested', jobId });
    };
    let watcher: DatabaseChangeWatcher;
    try {
      watcher = new DatabaseChangeWatcher({
        path: this.file.path,
        dataVersion: () => this.db.dataVersion(),
        onChange,
        onError: () => this.watchers.delete(watcher),
      });
    } catch {
      // Workers poll as well: a folder that cannot be watched (no inotify watches left, say) only loses the early wake-up.
      return () => undefined;
    }
    this.watchers.add(watcher);
    return () => {
      watcher.close();
      this.watchers.delete(watcher);
    };
  }

  async storeWritableCheck(): Promise<StoreWritability> {
    // A read first, so a store closed or unreadable rejects like any call that gets no answer.
    this.db.get(sql.MIGRATIONS_TABLE_EXISTS);
    return this.db.file?.writability() ?? { writable: true, detail: 'an in-memory SQLite database' };
  }

  async close(): Promise<void> {
    for (const watcher of this.watchers) watcher.close();
    this.watchers.clear();
    this.db.close();
  }
}
