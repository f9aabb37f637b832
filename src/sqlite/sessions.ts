/** Dashboard login sessions on the SQLite store (`store.sessions`): one statement each. */
import { boundedLimit } from '../store/row-limits.js';
import type { SessionRecord, SessionStore } from '../store/store.js';
import * as sql from './queries.js';
import { sessionFromRow, type SessionRow } from './rows.js';
import type { PreparedStatements } from './statements.js';

export class SqliteSessions implements SessionStore {
  constructor(private readonly db: PreparedStatements) {}

  async create(params: { session: Omit<SessionRecord, 'revokedAt'> }): Promise<void> {
    const { idHash, tokenHash, createdAt, expiresAt } = params.session;
    this.db.run(sql.SESSION_CREATE, { idHash, tokenHash, createdAt: createdAt.getTime(), expiresAt: expiresAt.getTime() });
  }

  async get(params: { idHash: string }): Promise<SessionRecord | null> {
    const row = this.db.get<SessionRow>(sql.SESSION_GET, { idHash: params.idHash });
    return row === undefined ? null : sessionFromRow(row);
  }

  async revoke(params: { idHash: string; now: Date }): Promise<boolean> {
    return this.db.run(sql.SESSION_REVOKE, { idHash: params.idHash, now: params.now.getTime() }) === 1;
  }

  async prune(params: { before: Date; limit: number }): Promise<number> {
    return this.db.run(sql.SESSION_PRUNE, { before: params.before.getTime(), limit: boundedLimit(params.limit) });
  }
}
