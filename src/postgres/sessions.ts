/** Dashboard login sessions on PostgreSQL: one statement each; maintenance prunes expired ones. */
import type { SessionRecord } from '../store/store.js';
import type { PostgresAccess } from './access.js';
import type { PostgresQueries } from './queries.js';
import { sessionFromRow, type SessionRow } from './rows.js';

export class PostgresSessions {
  constructor(
    private readonly db: PostgresAccess,
    private readonly sql: PostgresQueries,
  ) {}

  async create(session: Omit<SessionRecord, 'revokedAt'>): Promise<void> {
    await this.db.run(this.db.pool, this.sql.SESSION_CREATE, [session.idHash, session.tokenHash, session.createdAt, session.expiresAt]);
  }

  async get(idHash: string): Promise<SessionRecord | null> {
    const [row] = await this.db.all<SessionRow>(this.db.pool, this.sql.SESSION_GET, [idHash]);
    return row === undefined ? null : sessionFromRow(row);
  }

  async revoke(idHash: string, now: Date): Promise<boolean> {
    return (await this.db.run(this.db.pool, this.sql.SESSION_REVOKE, [idHash, now])) === 1;
  }

  async prune(before: Date, limit: number): Promise<number> {
    return this.db.run(this.db.pool, this.sql.SESSION_PRUNE, [before, limit]);
  }
}
