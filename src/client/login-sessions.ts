/**
 * `conveyor.loginSessions`: the records of dashboard login sessions, kept in the store with the jobs
 * so every server on the same store accepts the same sessions, and pruned by workers' maintenance.
 * What a session means (the signed cookie, which tokens still count) is the server's
 * `SessionAuthority`; this only stores, finds and revokes records by the digest of their secret.
 */
import type { SessionRecord, Store } from '../store/store.js';

export class LoginSessionClient {
  constructor(private readonly store: Pick<Store, 'sessions'>) {}

  /** Record a new session, unrevoked. */
  async create(session: Omit<SessionRecord, 'revokedAt'>): Promise<void> {
    await this.store.sessions.create({ session });
  }

  /** The session with this digest, revoked or expired ones included; null when there is none. */
  async get(idHash: string): Promise<SessionRecord | null> {
    return this.store.sessions.get({ idHash });
  }

  /** Revoke a session (logout); false when there is no such session. */
  async revoke(idHash: string, now: Date): Promise<boolean> {
    return this.store.sessions.revoke({ idHash, now });
  }
}
