/**
 * The SQLite store's access to its connection: statements prepared once and kept, typed
 * run/get/all helpers, and BEGIN IMMEDIATE transactions.
 *
 * Statements are prepared on first use rather than up front: the tables they name do not exist
 * until `migrationRun` has created them.
 */
import type Database from 'better-sqlite3';

/** Named parameters of a statement (`@name` in the SQL). */
export type Params = Record<string, unknown>;

export class PreparedStatements {
  private readonly statements = new Map<string, Database.Statement>();
  /** Runs any callback as one transaction; `.immediate` makes it BEGIN IMMEDIATE. */
  private readonly transaction: Database.Transaction<(work: () => unknown) => unknown>;

  constructor(private readonly db: Database.Database) {
    this.transaction = db.transaction((work: () => unknown) => work());
  }

  /**
   * Runs `work` in a BEGIN IMMEDIATE transaction: the write lock is taken up front (waiting up to
   * the busy timeout), so what `work` reads cannot change under it before it writes.
   * Rolled back if `work` throws.
   */
  immediate<T>(work: () => T): T {
    return this.transaction.immediate(work) as T;
  }

  /** Runs SQL text with no parameters, such as a migration; only ever for text shipped in the package. */
  exec(text: string): void {
    this.db.exec(text);
  }

  all<Row>(text: string, params: Params = {}): Row[] {
    return this.statement(text).all(params) as Row[];
  }

  get<Row>(text: string, params: Params = {}): Row | undefined {
    return this.statement(text).get(params) as Row | undefined;
  }

  /** Runs a statement and returns how many rows it changed. */
  run(text: string, params: Params = {}): number {
    return this.statement(text).run(params).changes;
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
