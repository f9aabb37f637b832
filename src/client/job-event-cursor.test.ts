/**
 * `JobEventCursor` at the gaps only a real store makes: on PostgreSQL, a transaction that drew a seq
 * and commits after a later one (the cursor waits, then delivers both in order) or rolls back (the
 * cursor waits `gapWaitMs`, then reports a reset and goes on); on SQLite, events pruned under a
 * reader (reported at once). The clock is the test's, so no test sleeps through the wait.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore, type PostgresStore } from '../postgres/index.js';
import { openSqliteStore } from '../sqlite/index.js';
import type { JobInsert, Store } from '../store/store.js';
import { describePostgres, dropSchema, freshSchemaName, TEST_POSTGRES_URL, withPostgresClient } from '../testing/postgres-env.js';
import { JobEventCursor, type CursorItem } from './job-event-cursor.js';

const now = new Date('2026-01-01T00:00:00Z');
const job = (task: string): JobInsert => ({ task, queue: 'default', input: {}, priority: 0, runAt: now, maxAttempts: 1, dedupKey: null, concurrencyKey: null, traceContext: null });

async function insert(store: Store, task: string): Promise<void> {
  await store.jobs.insertMany({ jobs: [job(task)], now });
}

/** Each item as `reset` or the event's task, to compare sequences at a glance. */
const summary = (items: CursorItem[]) => items.map((item) => (item.kind === 'reset' ? 'reset' : item.event.task));

class TestClock {
  ms = 0;
  readonly now = () => this.ms;
}

describePostgres('JobEventCursor on PostgreSQL', () => {
  let schema: string;
  let store: PostgresStore;
  let clock: TestClock;
  beforeEach(async () => {
    schema = freshSchemaName();
    store = openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    await store.migrations.run({ now });
    clock = new TestClock();
  });
  afterEach(async () => {
    await store.close();
    await dropSchema(schema);
  });

  it('waits at the seq of a transaction still open, then delivers its event and the later one in seq order once it commits', async () => {
    const cursor = await JobEventCursor.open({ store, afterSeq: null, gapWaitMs: 3000, clock: clock.now });
    await withPostgresClient(async (client) => {
      await client.query('BEGIN');
      await store.jobs.insertMany({ jobs: [job('late')], now, tx: client });
      await insert(store, 'early');
      expect(await cursor.read()).toEqual([]);
      clock.ms = 2999;
      expect(await cursor.read()).toEqual([]);
      await client.query('COMMIT');
    });
    expect(summary(await cursor.read())).toEqual(['late', 'early']);
  });

  it('passes a rolled-back seq after gapWaitMs with a reset, and not before', async () => {
    const cursor = await JobEventCursor.open({ store, afterSeq: null, gapWaitMs: 3000, clock: clock.now });
    await withPostgresClient(async (client) => {
      await client.query('BEGIN');
      await store.jobs.insertMany({ jobs: [job('rolled-back')], now, tx: client });
      await client.query('ROLLBACK');
    });
    await insert(store, 'after');
    expect(await cursor.read()).toEqual([]);
    clock.ms = 2999;
    expect(await cursor.read()).toEqual([]);
    clock.ms = 3000;
    const items = await cursor.read();
    expect(summary(items)).toEqual(['reset', 'after']);
    expect(items[0]).toMatchObject({ kind: 'reset', reason: expect.stringMatching(/did not appear within 3000 ms/) });
    // The next gap gets its own full wait.
    await withPostgresClient(async (client) => {
      await client.query('BEGIN');
      await store.jobs.insertMany({ jobs: [job('rolled-back-2')], now, tx: client });
      await client.query('ROLLBACK');
    });
    await insert(store, 'later');
    clock.ms = 5000; // first seen now
    expect(await cursor.read()).toEqual([]);
    clock.ms = 7999;
    expect(await cursor.read()).toEqual([]);
    clock.ms = 8000;
    expect(summary(await cursor.read())).toEqual(['reset', 'later']);
  });

  it('reads past a full page in one read', async () => {
    const cursor = await JobEventCursor.open({ store, afterSeq: '0', pageSize: 2, clock: clock.now });
    for (const task of ['a', 'b', 'c', 'd', 'e']) await insert(store, task);
    expect(summary(await cursor.read())).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(cursor.seq).toBe((await store.events.bounds()).latestSeq);
  });
});

describe('JobEventCursor on SQLite', () => {
  let directory: string;
  let store: Store;
  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'conveyor-cursor-'));
    store = openSqliteStore({ path: join(directory, 'c.db') });
    await store.migrations.run({ now });
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('reports events pruned under a reader at once, then goes on', async () => {
    const cursor = await JobEventCursor.open({ store, afterSeq: null, clock: () => 0 });
    await insert(store, 'pruned');
    await store.events.prune({ before: new Date(now.getTime() + 1), limit: 10 });
    await insert(store, 'kept');
    const items = await cursor.read();
    expect(summary(items)).toEqual(['reset', 'kept']);
    expect(items[0]).toMatchObject({ reason: expect.stringMatching(/no longer in the log/) });
  });

  it('starts after the newest event without a Last-Event-ID, and from the start with 0', async () => {
    await insert(store, 'old');
    const fresh = await JobEventCursor.open({ store, afterSeq: null });
    const replay = await JobEventCursor.open({ store, afterSeq: '0' });
    await insert(store, 'new');
    expect(summary(await fresh.read())).toEqual(['new']);
    expect(summary(await replay.read())).toEqual(['old', 'new']);
  });
});
