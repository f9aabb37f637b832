/** Dashboard login sessions on PostgreSQL: one statement each; maintenance prunes expired ones. */
import { boundedLimit } from '../store/row-limits.js';
import type { SessionRecord, SessionStore } from '../store/store.js';
import type { PostgresAccess } from './access.js';
import type { PostgresQueries } from './queries.js';
import { sessionFromRow, type SessionRow } from './rows.js';

export class PostgresSessions implements SessionStore {
  constructor(
    private readonly db: PostgresAccess,
    private readonly sql: PostgresQueries,
  ) {}

  async create(params: { session: Omit<SessionRecord, 'revokedAt'> }): Promise<void> {
    const { session } = params;
    await this.db.run(this.db.pool, this.sql.SESSION_CREATE, [session.idHash, session.tokenHash, session.createdAt, session.expiresAt]);
  }

  async get(params: { idHash: string }): Promise<SessionRecord | null> {
    const { idHash } = params;
    const [row] = await this.db.all<SessionRow>(this.db.pool, this.sql.SESSION_GET, [idHash]);
    return row === undefined ? null : sessionFromRow(row);
  }

  async revoke(params: { idHash: string; now: Date }): Promise<boolean> {
    const { idHash, now } = params;
    return (await this.db.run(this.db.pool, this.sql.SESSION_REVOKE, [idHash, now])) === 1;
  }

  async prune(params: { before: Date; limit: number }): Promise<number> {
    return this.db.run(this.db.pool, this.sql.SESSION_PRUNE, [params.before, boundedLimit(params.limit)]);
  }
}
