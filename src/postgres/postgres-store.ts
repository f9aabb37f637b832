/**
 * The `Store` on PostgreSQL, for any number of workers on any number of machines.
 *
 * Concurrency: every write is one statement, or one transaction that locks the rows it decides on
 * (`FOR UPDATE`; `SKIP LOCKED` where any other row will do, so claims and maintenance never queue
 * behind each other). Maintenance is therefore safe to run from every worker at once: no leader.
 *
 * Connections: a pool for statements (`PostgresAccess`, access.ts: named hot statements, transactions,
 * connection errors), plus one LISTEN connection (`NoticeListener`) once anything subscribes to
 * notices. A connection that drops is discarded by the pool and the next statement opens a new one;
 * the caller (the worker) retries failed statements with backoff.
 *
 * The store is its parts, one file each, named as on SQLite: `jobs.ts` (with job-inserts.ts,
 * job-actions.ts, limited-claims.ts and records.ts behind it), `flows.ts` (and how a parent is settled
 * once its children finish), `job-events.ts`, `workers.ts`, `sessions.ts`, `queues.ts`, `schedules.ts`
 * and `migrator.ts`. This class wires them to one pool, and owns notices and the connection's life.
 */
import { PostgresSteps } from './steps.js';
import { PostgresArtifactChunks, PostgresArtifacts } from './artifacts.js';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { Store, StoreCapabilities, StoreNotice, StoreWritability } from '../store/store.js';
import { PostgresAccess } from './access.js';
import { PostgresFlows } from './flows.js';
import { PostgresJobEvents } from './job-events.js';
import { JobInserts } from './job-inserts.js';
import { PostgresJobs } from './jobs.js';
import { LimitedQueueClaims } from './limited-claims.js';
import { PostgresMigrator } from './migrator.js';
import { NoticeListener } from './notice-listener.js';
import { noticeChannel, postgresQueries } from './queries.js';
import { PostgresQueues } from './queues.js';
import { PostgresSchedules } from './schedules.js';
import { PostgresSessions } from './sessions.js';
import { PostgresWorkers } from './workers.js';
import { postgresWritability } from './writability.js';

export interface PostgresStoreConfig {
  pool: pg.Pool;
  /** How the notice listener connects (the pool's settings). */
  clientConfig: pg.ClientConfig;
  schema: string;
  /** The URL as errors show it (password redacted). */
  displayUrl: string;
  logger: Logger | null;
}

/** The PostgreSQL implementation of {@link Store}. Open one with `openPostgresStore`. */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly capabilities: StoreCapabilities = { transactionalEnqueue: true, crossProcessWakeUp: true, eventsInCommitOrder: false };
  /** The schema Conveyor's tables live in. */
  readonly schema: string;

  readonly migrations: PostgresMigrator;
  readonly jobs: PostgresJobs;
  readonly flows: PostgresFlows;
  readonly events: PostgresJobEvents;
  readonly workers: PostgresWorkers;
  readonly sessions: PostgresSessions;
  readonly queues: PostgresQueues;
  readonly schedules: PostgresSchedules;
  readonly artifacts: PostgresArtifacts;
  readonly artifactChunks: PostgresArtifactChunks;
  readonly steps: PostgresSteps;

  private readonly db: PostgresAccess;
  private readonly notices: NoticeListener;
  private closing: Promise<void> | null = null;

  constructor(config: PostgresStoreConfig) {
    this.schema = config.schema;
    const sql = postgresQueries(config.schema);
    this.db = new PostgresAccess(config.pool, sql, config.displayUrl);
    const inserts = new JobInserts(this.db, sql);
    const limitedClaims = new LimitedQueueClaims(this.db, sql);
    this.migrations = new PostgresMigrator(this.db, sql, config.schema);
    this.flows = new PostgresFlows(this.db, config.schema);
    this.jobs = new PostgresJobs({ db: this.db, sql, inserts, limitedClaims, flows: this.flows, logger: config.logger });
    this.events = new PostgresJobEvents(this.db, config.schema);
    this.workers = new PostgresWorkers(this.db, sql);
    this.sessions = new PostgresSessions(this.db, sql);
    this.queues = new PostgresQueues(this.db, sql, limitedClaims);
    this.schedules = new PostgresSchedules(this.db, sql, inserts);
    this.artifacts = new PostgresArtifacts(this.db, config.schema);
    this.artifactChunks = new PostgresArtifactChunks(this.db, config.schema);
    this.steps = new PostgresSteps(this.db, sql, config.schema);
    this.notices = new NoticeListener(config.clientConfig, noticeChannel(config.schema), sql.LISTEN, config.logger);
  }

  noticeListen(listener: (notice: StoreNotice) => void): () => void {
    return this.notices.subscribe(listener);
  }

  async storeWritableCheck(): Promise<StoreWritability> {
    return postgresWritability(this.db);
  }

  /** Resolves once the LISTEN connection is up (after the first `noticeListen`). */
  async noticesReady(): Promise<void> {
    await this.notices.ready();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.notices.close();
      await this.db.pool.end();
    })();
    return this.closing;
  }
}
