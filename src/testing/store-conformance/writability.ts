import { expect } from 'vitest';
import type { SuiteSection } from './context.js';

/**
 * `storeWritableCheck`: a healthy store says it would take a write, before and after migrating, and
 * every write that follows succeeds. The faults it must report (a full disk, a file deleted under the
 * process, a read-only server) cannot be made here alike for every store: each store's own tests
 * make them for real (sqlite-faults.test.ts, postgres-writability.test.ts).
 */
export const writabilityTests: SuiteSection = (suite) => {
  suite.group('storeWritableCheck', { migrate: false }, (group) => {
    group.test('a healthy store says it would take a write, before and after migrating', async ({ store }) => {
      const before = await store.storeWritableCheck();
      expect(before.writable).toBe(true);
      await store.migrations.run({ now: new Date() });
      const after = await store.storeWritableCheck();
      expect(after).toMatchObject({ writable: true, detail: expect.any(String) });
      await expect(store.workers.deregister({ id: 'nobody' })).resolves.toBeUndefined();
    });

    group.test('a closed store does not answer: the check rejects rather than calling it writable', async ({ store }) => {
      await store.close();
      await expect(store.storeWritableCheck()).rejects.toThrow();
    });
  });
};
