/** Conveyor.open: configuration is checked before anything connects (F7), migrations before anything runs (F8). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Conveyor } from './conveyor.js';
import { ConveyorConfigError, ConveyorMigrationError } from './errors.js';
import { migrations } from './sqlite/migrations.generated.js';
import { defineTask } from './task.js';
import { silentLogger } from './testing/worker-conformance/helpers.js';

/** The migration versions the SQLite store ships, and the newest. */
const ALL_VERSIONS = migrations.map((migration) => migration.version);
const SHIPPED = Math.max(...ALL_VERSIONS);

describe('Conveyor.open', () => {
  let dir: string;
  const savedStoreEnv = process.env.CONVEYOR_STORE;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'conveyor-open-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    if (savedStoreEnv === undefined) delete process.env.CONVEYOR_STORE;
    else process.env.CONVEYOR_STORE = savedStoreEnv;
  });

  it('fails at once on a malformed store URL, naming the setting and a right value', async () => {
    await expect(Conveyor.open({ store: 'mysql://localhost/jobs', logger: silentLogger })).rejects.toThrow(
      'Conveyor.open({ store }): has an unknown scheme in "mysql://localhost/jobs"; Conveyor stores are "sqlite:" and "postgres://". Example of a valid value: "sqlite:./.conveyor/conveyor.db"',
    );
  });

  it('reads CONVEYOR_STORE when no store is given, and names it in errors', async () => {
    process.env.CONVEYOR_STORE = 'sqlite:';
    await expect(Conveyor.open({ logger: silentLogger })).rejects.toThrow(/^CONVEYOR_STORE: names no database file/);
    process.env.CONVEYOR_STORE = `sqlite:${join(dir, 'env.db')}`;
    const conveyor = await Conveyor.open({ logger: silentLogger });
    expect((await conveyor.migrationStatus()).pending).toEqual([]);
    await conveyor.close();
  });

  it('refuses to start on a database migrated by a newer Conveyor, naming both versions, and changes nothing', async () => {
    const path = join(dir, 'newer.db');
    await (await Conveyor.open({ store: `sqlite:${path}`, logger: silentLogger })).close();
    const db = new Database(path);
    db.prepare("INSERT INTO conveyor_migrations (version, name, checksum, applied_at) VALUES (?, 'from_the_future', 'abc', 0)").run(SHIPPED + 1);
    db.close();
    const opening = Conveyor.open({ store: `sqlite:${path}`, logger: silentLogger });
    await expect(opening).rejects.toBeInstanceOf(ConveyorMigrationError);
    await expect(opening).rejects.toThrow(`database is at migration version ${SHIPPED + 1}, but this Conveyor package knows versions up to ${SHIPPED}`);
    const after = new Database(path);
    expect(after.prepare('SELECT max(version) AS v FROM conveyor_migrations').get()).toEqual({ v: SHIPPED + 1 });
    after.close();
  });

  it('with migrate: false, refuses a database that needs migrations instead of applying them', async () => {
    const store = `sqlite:${join(dir, 'fresh.db')}`;
    await expect(Conveyor.open({ store, migrate: false, logger: silentLogger })).rejects.toThrow(`needs migrations ${ALL_VERSIONS.join(', ')} to reach ${SHIPPED}; run \`conveyor migrate\` first`);
    await (await Conveyor.open({ store, logger: silentLogger })).close();
    await (await Conveyor.open({ store, migrate: false, logger: silentLogger })).close();
  });

  it('rejects duplicate task names in the registry', async () => {
    const task = defineTask({ name: 'twice', input: z.object({}), run: () => null });
    await expect(Conveyor.open({ store: `sqlite:${join(dir, 'x.db')}`, tasks: [task, task], logger: silentLogger })).rejects.toThrow(
      'Conveyor.open({ tasks }): lists the task name "twice" twice',
    );
  });
});

describe('enqueue inside a caller transaction ({ tx })', () => {
  let dir: string;
  let conveyor: Conveyor;
  const task = defineTask({ name: 'email.send', input: z.object({ to: z.string() }), run: () => null });
  /** A client as `pg` gives one: the option's shape is right, only the store cannot join it. */
  const client = { query: async () => ({ rows: [] }) };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'conveyor-tx-'));
    conveyor = await Conveyor.open({ store: `sqlite:${join(dir, 'jobs.db')}`, tasks: [task], logger: silentLogger });
  });
  afterEach(async () => {
    await conveyor.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on SQLite, refuses tx with a ConveyorConfigError naming the option and what to do, and stores nothing', async () => {
    const enqueuing = conveyor.enqueue(task, { to: 'a@example.com' }, { tx: client });
    await expect(enqueuing).rejects.toBeInstanceOf(ConveyorConfigError);
    await expect(enqueuing).rejects.toThrow(
      /^enqueue\(task, input, \{ tx \}\): the sqlite store cannot join a caller's transaction .*open Conveyor on a postgres:\/\/ store/,
    );
    await expect(conveyor.enqueueMany([{ task, input: { to: 'b@example.com' } }], { tx: client })).rejects.toThrow(
      /^enqueueMany\(items, \{ tx \}\): the sqlite store cannot join a caller's transaction/,
    );
    expect((await conveyor.listJobs()).jobs).toEqual([]);
  });

  it('refuses tx inside one item of enqueueMany: the transaction belongs to the call', async () => {
    const items = [{ task, input: { to: 'a@example.com' } }, { task, input: { to: 'b@example.com' }, options: { tx: client } as never }];
    await expect(conveyor.enqueueMany(items)).rejects.toThrow(/^enqueueMany items\[1\]\.options\.tx: is not an option of one job/);
    expect((await conveyor.listJobs()).jobs).toEqual([]);
  });

  it('without tx, enqueues as before and keeps tx out of the job', async () => {
    const { job } = await conveyor.enqueue(task, { to: 'a@example.com' }, { tx: undefined, priority: 3 });
    expect(job).toMatchObject({ state: 'queued', priority: 3, input: { to: 'a@example.com' } });
  });
});
