import { expect } from 'vitest';
import { ConveyorMigrationError } from '../../errors.js';
import type { SuiteSection } from './context.js';
import { at, getJob, insertJob, rejectionOf, t0 } from './helpers.js';

/** A version no package will ship for a long time: stands for "migrated by a newer Conveyor". */
const FUTURE_VERSION = 999;

export const migrationTests: SuiteSection = (suite) => {
  suite.group('migrations', { migrate: false }, (group) => {
    group.test('a fresh database is at version 0 with every shipped version pending', async ({ store, harness }) => {
      const status = await store.migrations.status();
      expect(status.databaseVersion).toBe(0);
      expect(status.packageVersion).toBeGreaterThan(0);
      expect(status.pending.length).toBeGreaterThan(0);
      expect(status.pending, 'pending versions, ascending and distinct').toEqual(
        [...new Set(status.pending)].sort((a, b) => a - b),
      );
      expect(status.pending.at(-1)).toBe(status.packageVersion);
      expect(await harness.migrationHistory.list()).toEqual([]);
    });

    group.test('migrationRun applies every pending migration and records it', async ({ store, harness }) => {
      const before = await store.migrations.status();
      const after = await store.migrations.run({ now: at(5) });
      const current = { databaseVersion: before.packageVersion, packageVersion: before.packageVersion, pending: [] };
      expect(after).toEqual(current);
      expect(await store.migrations.status()).toEqual(current);
      const history = await harness.migrationHistory.list();
      expect(history.map((row) => row.version)).toEqual(before.pending);
      for (const row of history) {
        expect(row.name, `name of migration ${row.version}`).not.toBe('');
        expect(row.checksum, `checksum of migration ${row.version}`).toMatch(/^[0-9a-f]{64}$/);
        expect(row.appliedAt, `appliedAt of migration ${row.version}`).toEqual(at(5));
      }
      const job = await insertJob(store);
      expect(await getJob(store, job.id)).toEqual(job);
    });

    group.test('a second migrationRun is a no-op', async ({ store, harness }) => {
      const first = await store.migrations.run({ now: at(5) });
      const history = await harness.migrationHistory.list();
      const job = await insertJob(store);
      const second = await store.migrations.run({ now: at(10) });
      expect(second).toEqual(first);
      expect(await harness.migrationHistory.list()).toEqual(history);
      expect(await store.jobs.get({ id: job.id }), 'a job inserted between the two runs').toEqual(job);
    });

    group.test(
      'a database at a version the package does not know is refused, naming both versions',
      async ({ store, harness }) => {
        const { packageVersion } = await store.migrations.run({ now: t0 });
        await harness.migrationHistory.insert({
          version: FUTURE_VERSION,
          name: 'from a newer package',
          checksum: 'a'.repeat(64),
        });
        const history = await harness.migrationHistory.list();
        const refusals = {
          migrationStatus: await rejectionOf(store.migrations.status()),
          migrationRun: await rejectionOf(store.migrations.run({ now: at(1) })),
        };
        for (const [method, error] of Object.entries(refusals)) {
          expect(error, method).toBeInstanceOf(ConveyorMigrationError);
          expect(error.message, `${method} names the database's version`).toMatch(new RegExp(`\\b${FUTURE_VERSION}\\b`));
          expect(error.message, `${method} names the package's version`).toMatch(new RegExp(`\\b${packageVersion}\\b`));
        }
        expect(await harness.migrationHistory.list()).toEqual(history);
      },
    );

    group.test('an applied migration whose checksum changed is refused', async ({ store, harness }) => {
      const { packageVersion } = await store.migrations.run({ now: t0 });
      await harness.migrationHistory.setChecksum(packageVersion, '0'.repeat(64));
      const refusals = {
        migrationStatus: await rejectionOf(store.migrations.status()),
        migrationRun: await rejectionOf(store.migrations.run({ now: at(1) })),
      };
      for (const [method, error] of Object.entries(refusals)) {
        expect(error, method).toBeInstanceOf(ConveyorMigrationError);
        expect(error.message, `${method} names the edited migration`).toMatch(new RegExp(`\\b${packageVersion}\\b`));
      }
    });

    group.test('two stores migrating a fresh database at once both succeed, applying each version once', async ({
      store,
      harness,
    }) => {
      const other = await harness.openAnother();
      const { pending, packageVersion } = await store.migrations.status();
      const results = await Promise.all([store.migrations.run({ now: t0 }), other.migrations.run({ now: t0 })]);
      for (const result of results) expect(result).toEqual({ databaseVersion: packageVersion, packageVersion, pending: [] });
      const history = await harness.migrationHistory.list();
      expect(history.map((row) => row.version)).toEqual(pending);
      const job = await insertJob(store);
      expect(await other.jobs.get({ id: job.id }), 'the job one store inserted, read by the other').toEqual(job);
    });
  });
};
