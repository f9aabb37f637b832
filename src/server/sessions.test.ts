/** Sessions over a real SQLite store: expiry, revocation, token rotation, forgery. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoginSessionClient } from '../client/login-sessions.js';
import { openSqliteStore } from '../sqlite/index.js';
import type { Store } from '../store/store.js';
import { SessionAuthority, sha256Hex } from './sessions.js';

const TOKEN = 'session-test-token-0123456789abcdef';
const OTHER = 'another-session-token-fedcba9876543210';
const t0 = new Date('2026-06-01T12:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

describe('SessionAuthority', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'conveyor-sessions-'));
    store = openSqliteStore({ path: join(dir, 'conveyor.db') });
    await store.migrations.run({ now: t0 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a session until it expires, and stores only digests', async () => {
    const sessions = new SessionAuthority(new LoginSessionClient(store), [TOKEN, OTHER], 60_000);
    const cookie = await sessions.open(TOKEN, t0);
    expect(await sessions.check(cookie, later(59_999))).toEqual({ tokenDigest: sha256Hex(TOKEN), expiresAt: later(60_000) });
    expect(await sessions.check(cookie, later(60_000))).toBeNull();
    const secret = cookie.split('.')[1]!;
    expect(await store.sessions.get({ idHash: sha256Hex(secret) })).toMatchObject({ tokenHash: sha256Hex(TOKEN), revokedAt: null });
    expect(await store.sessions.get({ idHash: secret })).toBeNull();
  });

  it('ends a session at logout, for every server sharing the store and the tokens', async () => {
    const here = new SessionAuthority(new LoginSessionClient(store), [TOKEN, OTHER]);
    const there = new SessionAuthority(new LoginSessionClient(store), [OTHER, TOKEN]);
    const cookie = await here.open(TOKEN, t0);
    expect(await there.check(cookie, later(1))).not.toBeNull();
    await there.revoke(cookie, later(2));
    expect(await here.check(cookie, later(3))).toBeNull();
  });

  it('ends the sessions of a token the server no longer accepts', async () => {
    const cookie = await new SessionAuthority(new LoginSessionClient(store), [TOKEN, OTHER]).open(TOKEN, t0);
    // Another key signs for another token list, so the cookie's signature fails before any store read.
    expect(await new SessionAuthority(new LoginSessionClient(store), [OTHER]).check(cookie, later(1))).toBeNull();
    expect(await new SessionAuthority(new LoginSessionClient(store), [TOKEN, OTHER]).check(cookie, later(1))).not.toBeNull();
  });

  it('refuses a value it did not sign without reading the store', async () => {
    const sessions = new SessionAuthority(new LoginSessionClient(store), [TOKEN]);
    const cookie = await sessions.open(TOKEN, t0);
    await store.close(); // a store read would now throw
    for (const forged of [TOKEN, '', 'v1', 'v1..', `${cookie}.x`, cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))]) {
      expect(await sessions.check(forged, later(1)), forged).toBeNull();
    }
  });
});
