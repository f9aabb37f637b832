/**
 * Dashboard login sessions. Logging in with an API token opens a session in the store; the cookie
 * then carries the session's own secret, signed, and never the token: a stolen cookie expires, can be
 * revoked by logging out, and tells nothing about the token.
 *
 * The cookie value is `v1.<secret>.<signature>`: 32 random bytes, and an HMAC-SHA256 of them under a
 * key derived from the server's tokens. The signature is checked first, in constant time, so a forged
 * cookie costs no store read; then the store's record (by the SHA-256 of the secret: the store never
 * holds the secret) must be unexpired, unrevoked, and opened with a token the server still accepts.
 * Every server given the same tokens accepts the same sessions, and changing the tokens ends them all.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { LoginSessionClient } from '../client/login-sessions.js';

/** How long a session lasts from its login. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const VERSION = 'v1';
const SECRET_BYTES = 32;

/** A session the cookie names, checked: the digest of the token it was opened with, and when it ends. */
export interface CheckedSession {
  tokenDigest: string;
  expiresAt: Date;
}

export class SessionAuthority {
  private readonly signingKey: Buffer;
  private readonly tokenDigests: ReadonlySet<string>;

  /**
   * `records`: where sessions are kept (`conveyor.loginSessions`); `tokens`: the server's API tokens
   * (a session opened with one of them lives while it is configured).
   */
  constructor(
    private readonly records: Pick<LoginSessionClient, 'create' | 'get' | 'revoke'>,
    tokens: readonly string[],
    private readonly ttlMs: number = SESSION_TTL_MS,
  ) {
    const digests = tokens.map(sha256Hex);
    this.tokenDigests = new Set(digests);
    this.signingKey = createHash('sha256').update(`conveyor session signing key ${VERSION}\0${[...digests].sort().join('\0')}`).digest();
  }

  /** How long a new session lasts. */
  get lifetimeMs(): number {
    return this.ttlMs;
  }

  /** Open a session for `token` (a token the caller checked); returns the cookie value. */
  async open(token: string, now: Date): Promise<string> {
    const secret = randomBytes(SECRET_BYTES).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.records.create({ idHash: sha256Hex(secret), tokenHash: sha256Hex(token), createdAt: now, expiresAt });
    return `${VERSION}.${secret}.${this.sign(secret)}`;
  }

  /** The session a cookie value names, if it is genuine, unexpired, unrevoked and its token still configured; else null. */
  async check(cookie: string, now: Date): Promise<CheckedSession | null> {
    const secret = this.verifiedSecret(cookie);
    if (secret === null) return null;
    const session = await this.records.get(sha256Hex(secret));
    if (session === null || session.revokedAt !== null || session.expiresAt.getTime() <= now.getTime()) return null;
    if (!this.tokenDigests.has(session.tokenHash)) return null;
    return { tokenDigest: session.tokenHash, expiresAt: session.expiresAt };
  }

  /** Revoke the session a cookie value names (logout); a forged or unknown value changes nothing. */
  async revoke(cookie: string, now: Date): Promise<void> {
    const secret = this.verifiedSecret(cookie);
    if (secret !== null) await this.records.revoke(sha256Hex(secret), now);
  }

  /** The secret of a well-formed, correctly signed cookie value; null otherwise. */
  private verifiedSecret(cookie: string): string | null {
    const [version, secret, signature, ...rest] = cookie.split('.');
    if (version !== VERSION || secret === undefined || signature === undefined || rest.length > 0) return null;
    const expected = Buffer.from(this.sign(secret), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected) ? secret : null;
  }

  private sign(secret: string): string {
    return createHmac('sha256', this.signingKey).update(secret).digest('base64url');
  }
}

/** The SHA-256 digest of `text`, hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
