/**
 * The PostgreSQL store's access to its database: statements on the pool, on a connection of its own
 * inside a transaction, or on a caller's transaction; the hot statements named so each connection
 * parses them once; and connection errors turned into `ConveyorStoreUnavailableError`s that name the server.
 */
import pg from 'pg';
import type { CallerTransaction } from '../store/store.js';
import { naming } from './connection-errors.js';
import { PREPARED_STATEMENTS, statementName, type PostgresQueries } from './queries.js';

/** What a statement runs on: the pool, a client in a transaction, or the caller's transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'> | CallerTransaction;

export class PostgresAccess {
  /** Statement names of `PREPARED_STATEMENTS`, by text. */
  private readonly preparedNames: Map<string, string>;
  /** Connections checked out of the pool for a transaction (as opposed to a caller's). */
  private readonly ownClients = new WeakSet<object>();

  constructor(
    readonly pool: pg.Pool,
    sql: PostgresQueries,
    /** The URL as errors show it (password redacted). */
    readonly displayUrl: string,
  ) {
    this.preparedNames = new Map(PREPARED_STATEMENTS.map((key) => [sql[key], statementName(sql[key])]));
  }

  /**
   * Run `work` in a transaction on one pooled connection; rolled back if it throws. A server that
   * cannot be reached is named in a `ConveyorStoreUnavailableError`.
   */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return naming(this.displayUrl, () => this.transactionOnce(work));
  }

  private async transactionOnce<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    this.ownClients.add(client);
    let broken: Error | undefined;
    // The pool listens for errors only on idle connections: one that drops while checked out (server
    // restart, pg_terminate_backend) would otherwise emit an unhandled 'error' and end the process.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      // A connection that errored or whose rollback failed is in an unknown state: the pool discards it.
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Name these statements as well: a part of the store's own hot ones, kept beside its other statements. */
  nameStatements(texts: readonly string[]): void {
    for (const text of texts) this.preparedNames.set(text, statementName(text));
  }

  /**
   * Run a statement. The hot ones (`PREPARED_STATEMENTS`) are named on the store's own connections,
   * so each connection parses and plans them once; on a caller's transaction everything is unnamed,
   * leaving nothing behind in the caller's session.
   */
  async query(db: Queryable, text: string, values: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }> {
    const name = db === this.pool || this.ownClients.has(db) ? this.preparedNames.get(text) : undefined;
    return naming(this.displayUrl, async () => {
      if (name === undefined) return (await db.query(text, values)) as { rows: unknown[]; rowCount: number | null };
      return (db as pg.Pool | pg.PoolClient).query({ name, text, values });
    });
  }

  /** Run a statement and return how many rows it changed. */
  async run(db: Queryable, text: string, values: unknown[]): Promise<number> {
    return (await this.query(db, text, values)).rowCount ?? 0;
  }

  async all<Row>(db: Queryable, text: string, values: unknown[]): Promise<Row[]> {
    return (await this.query(db, text, values)).rows as Row[];
  }

  async one<Row>(db: Queryable, text: string, values: unknown[]): Promise<Row | undefined> {
    return (await this.all<Row>(db, text, values))[0];
  }
}
