/**
 * The SQLite store's access to its connection: statements prepared once and kept, typed
 * run/get/all helpers, and BEGIN IMMEDIATE transactions.
 *
 * Statements are prepared on first use rather than up front: the tables they name do not exist
 * until `migrations.run` has created them.
 *
 * Every call goes through `guarded`: SQLite's errors for a full disk, a corrupt or read-only file
 * become `ConveyorStoreFaultError`s naming the file, and a write first checks that the path still
 * names the file opened, so no job is accepted into a file deleted under the process.
 */
import type Database from 'better-sqlite3';
import { asSqliteFault, type SqliteFile } from './file-health.js';
import { PRAGMA_DATA_VERSION, PRAGMA_SYNCHRONOUS_FULL, PRAGMA_SYNCHRONOUS_NORMAL } from './queries.js';

/** `PRAGMA synchronous` as SQLite reports it: 2 is FULL (each commit syncs the WAL), 1 is NORMAL. */
const SYNCHRONOUS_FULL = 2;

/** Named parameters of a statement (`@name` in the SQL). */
export type Params = Record<string, unknown>;

export class PreparedStatements {
  private readonly statements = new Map<string, Database.Statement>();
  /** The connection's `PRAGMA synchronous`, read at the first `immediateUnflushed`. */
  private synchronous: number | null = null;
  /** Runs any callback as one transaction; `.immediate` makes it BEGIN IMMEDIATE. */
  private readonly transaction: Database.Transaction<(work: () => unknown) => unknown>;

  /** @param file the database file, or null for `:memory:` (which no one can delete). */
  constructor(
    private readonly db: Database.Database,
    readonly file: SqliteFile | null,
  ) {
    this.transaction = db.transaction((work: () => unknown) => work());
  }

  /**
   * Runs `work` in a BEGIN IMMEDIATE transaction: the write lock is taken up front (waiting up to
   * the busy timeout), so what `work` reads cannot change under it before it writes.
   * Rolled back if `work` throws.
   */
  immediate<T>(work: () => T): T {
    return this.guarded(true, () => this.transaction.immediate(work) as T);
  }

  /**
   * `immediate`, but its commit does not wait for the disk (synchronous=NORMAL for this transaction
   * only). The commit is in the WAL when this returns, so every process sees it and it survives this
   * process's crash; the disk has it once a later commit syncs the WAL. A power cut before that may
   * lose it, always with every commit after it (the WAL replays a prefix), never an earlier one alone.
   * On a connection opened with synchronous=normal, the same as `immediate`.
   */
  immediateUnflushed<T>(work: () => T): T {
    if (!this.syncsEachCommit()) return this.immediate(work);
    this.guarded(false, () => this.db.pragma(PRAGMA_SYNCHRONOUS_NORMAL));
    try {
      return this.immediate(work);
    } finally {
      this.guarded(false, () => this.db.pragma(PRAGMA_SYNCHRONOUS_FULL));
    }
  }

  /** `PRAGMA data_version`: it changes when another connection commits to the file, never for this one's commits. */
  dataVersion(): number {
    // Prepared once: a watcher beside a busy writer reads it once per turn of the event loop.
    return this.guarded(false, () => this.statement(PRAGMA_DATA_VERSION).pluck().get() as number);
  }

  /** Runs SQL text with no parameters, such as a migration; only ever for text shipped in the package. */
  exec(text: string): void {
    this.guarded(true, () => this.db.exec(text));
  }

  all<Row>(text: string, params: Params = {}): Row[] {
    return this.guarded(false, () => this.statement(text).all(params) as Row[]);
  }

  get<Row>(text: string, params: Params = {}): Row | undefined {
    return this.guarded(false, () => this.statement(text).get(params) as Row | undefined);
  }

  /** Runs a statement (a write: `get` and `all` are for reads) and returns how many rows it changed. */
  run(text: string, params: Params = {}): number {
    return this.guarded(true, () => this.statement(text).run(params).changes);
  }

  /**
   * Run `call`, turning a fault of the file or disk into a `ConveyorStoreFaultError`. A write outside
   * a transaction (or opening one) first checks the file's identity: one stat, inside a transaction
   * already done by the statement that opened it.
   */
  private guarded<T>(write: boolean, call: () => T): T {
    if (write && !this.db.inTransaction) this.file?.assertSameFile();
    try {
      return call();
    } catch (error) {
      throw asSqliteFault(error, this.file?.path ?? ':memory:');
    }
  }

  private syncsEachCommit(): boolean {
    this.synchronous ??= this.guarded(false, () => this.db.pragma('synchronous', { simple: true }) as number);
    return this.synchronous >= SYNCHRONOUS_FULL;
  }

  /** Closes the connection; safe to call twice. */
  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  private statement(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }
}
