import { expect } from 'vitest';
import type { SessionRecord } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { at } from './helpers.js';

function session(idHash: string, overrides: Partial<Omit<SessionRecord, 'revokedAt'>> = {}): Omit<SessionRecord, 'revokedAt'> {
  return { idHash, tokenHash: 'a'.repeat(64), createdAt: at(0), expiresAt: at(3600), ...overrides };
}

export const sessionTests: SuiteSection = (suite) => {
  suite.group('sessions', { migrate: true }, (group) => {
    group.test('a created session reads back as it was recorded, from another store too', async ({ store, harness }) => {
      const created = session('1'.repeat(64), { tokenHash: 'b'.repeat(64) });
      await store.sessions.create({ session: created });
      expect(await store.sessions.get({ idHash: created.idHash })).toEqual({ ...created, revokedAt: null });
      expect(await (await harness.openAnother()).sessions.get({ idHash: created.idHash })).toEqual({ ...created, revokedAt: null });
      expect(await store.sessions.get({ idHash: '2'.repeat(64) })).toBeNull();
    });

    group.test('revoking a session records when, once; an unknown one returns false', async ({ store }) => {
      await store.sessions.create({ session: session('1'.repeat(64)) });
      await store.sessions.create({ session: session('2'.repeat(64)) });
      expect(await store.sessions.revoke({ idHash: '1'.repeat(64), now: at(60) })).toBe(true);
      expect(await store.sessions.revoke({ idHash: '1'.repeat(64), now: at(90) })).toBe(true);
      expect((await store.sessions.get({ idHash: '1'.repeat(64) }))?.revokedAt).toEqual(at(60));
      expect((await store.sessions.get({ idHash: '2'.repeat(64) }))?.revokedAt).toBeNull();
      expect(await store.sessions.revoke({ idHash: '3'.repeat(64), now: at(60) })).toBe(false);
    });

    group.test('prune deletes at most limit sessions that expired before the cut-off, revoked or not', async ({ store }) => {
      await store.sessions.create({ session: session('1'.repeat(64), { expiresAt: at(10) }) });
      await store.sessions.create({ session: session('2'.repeat(64), { expiresAt: at(20) }) });
      await store.sessions.create({ session: session('3'.repeat(64), { expiresAt: at(30) }) });
      await store.sessions.revoke({ idHash: '2'.repeat(64), now: at(5) });
      const valid = session('4'.repeat(64), { expiresAt: at(100) });
      await store.sessions.create({ session: valid });
      expect(await store.sessions.prune({ before: at(50), limit: 2 })).toBe(2);
      expect(await store.sessions.get({ idHash: '1'.repeat(64) })).toBeNull();
      expect(await store.sessions.get({ idHash: '2'.repeat(64) })).toBeNull();
      expect(await store.sessions.prune({ before: at(50), limit: 2 })).toBe(1);
      expect(await store.sessions.prune({ before: at(50), limit: 2 })).toBe(0);
      expect(await store.sessions.get({ idHash: valid.idHash })).toEqual({ ...valid, revokedAt: null });
    });
  });
};
