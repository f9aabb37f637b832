/**
 * Ten processes open Conveyor at the same moment on a fresh PostgreSQL schema: every one of them
 * migrates (or finds the work done) and succeeds, and the history holds each version exactly once.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describePostgres, freshTestSchema, quoteIdentifier, type TestSchema, withPostgresClient } from '../testing/postgres-env.js';
import { spawnFixture } from '../testing/processes.js';
import { migrations } from './migrations.generated.js';

const PROCESSES = 10;
/** Ten tsx processes starting on a small machine take a while before they are ready. */
const START_TIMEOUT_MS = 90_000;

describePostgres('postgres migrations from many processes', () => {
  let testSchema: TestSchema;
  beforeEach(() => {
    testSchema = freshTestSchema();
  });
  afterEach(async () => {
    await testSchema.drop();
  });

  it(`${PROCESSES} processes opening Conveyor at once on a fresh schema all succeed, applying each version once`, async () => {
    const processes = Array.from({ length: PROCESSES }, () => spawnFixture('migrate-process.ts', { STORE_URL: testSchema.storeUrl }));
    await Promise.all(processes.map((p) => p.waitForLine((line) => line === 'ready', START_TIMEOUT_MS)));
    for (const p of processes) p.child.stdin?.write('go\n');
    const statuses = await Promise.all(processes.map(async (p) => JSON.parse(await p.waitForLine((line) => line.startsWith('{'), START_TIMEOUT_MS)) as unknown));
    const exits = await Promise.all(processes.map((p) => p.exited));

    const versions = migrations.map((m) => m.version);
    const packageVersion = Math.max(...versions);
    expect(exits).toEqual(Array(PROCESSES).fill({ code: 0, signal: null }));
    expect(statuses).toEqual(Array(PROCESSES).fill({ databaseVersion: packageVersion, packageVersion, pending: [] }));
    const history = await withPostgresClient(async (client) => {
      const { rows } = await client.query<{ version: number; checksum: string }>(
        `SELECT version, checksum FROM ${quoteIdentifier(testSchema.schema)}.migrations ORDER BY version`,
      );
      return rows;
    });
    expect(history).toEqual(migrations.map((m) => ({ version: m.version, checksum: m.checksum })));
  }, 180_000);
});
