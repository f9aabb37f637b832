/**
 * Settling on PostgreSQL where the conformance suite cannot reach. Under real concurrency: the
 * children of one parent finished by four stores (four pools, as four processes would have) in
 * parallel `jobs.setStateIfRunningMany` calls, round after round so the last children's commits often
 * race; and four stores sweeping at once. A trigger on the test schema logs every change of a job out
 * of `waiting`, so "settled exactly once" is counted, not inferred from the final state. And the
 * sweep itself: parents left waiting with finished children (children finished with raw SQL, as a
 * process killed between a child's commit and its parent's settle leaves them).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Job } from '../job.js';
import { jobDead, jobSucceeded } from '../store/state-updates.js';
import type { FlowJobInsert, JobStateUpdate } from '../store/store.js';
import { describePostgres, dropSchema, freshSchemaName, quoteIdentifier, TEST_POSTGRES_URL, withPostgresClient } from '../testing/postgres-env.js';
import { collect } from '../testing/store-conformance/notices.js';
import { openPostgresStore, type PostgresStore } from './index.js';

const STORES = 4;
const CHILDREN = 20;
const ROUNDS = 10;

describePostgres('postgres flows under concurrency', () => {
  let schema: string;
  let stores: PostgresStore[];

  beforeEach(async () => {
    schema = freshSchemaName();
    stores = Array.from({ length: STORES }, () => openPostgresStore({ url: TEST_POSTGRES_URL, schema }));
    await storeAt(0).migrations.run({ now: new Date() });
    const s = quoteIdentifier(schema);
    await withPostgresClient(async (client) => {
      await client.query(`CREATE TABLE ${s}.settle_log (job_id bigint NOT NULL, to_state text NOT NULL)`);
      await client.query(`
CREATE FUNCTION ${s}.log_settle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ${s}.settle_log (job_id, to_state) VALUES (NEW.id, NEW.state);
  RETURN NEW;
END $$`);
      await client.query(`
CREATE TRIGGER settle_log AFTER UPDATE ON ${s}.jobs
FOR EACH ROW WHEN (OLD.state = 'waiting' AND NEW.state <> 'waiting') EXECUTE FUNCTION ${s}.log_settle()`);
    });
  });

  /** The store at `index`: each stands for a process of its own. */
  function storeAt(index: number): PostgresStore {
    const store = stores[index];
    if (store === undefined) throw new Error(`The test opened ${stores.length} stores, not ${index + 1}.`);
    return store;
  }

  afterEach(async () => {
    for (const store of stores) await store.close();
    await dropSchema(schema);
  });

  /** Insert a parent with `CHILDREN` children; each store claims a share; all stores finish theirs at once. */
  async function runRound(round: number, outcome: 'succeeded' | 'dead'): Promise<Job> {
    const now = new Date();
    const leaf = { queue: `round-${round}`, input: {}, priority: 0, runAt: now, maxAttempts: 1, dedupKey: null, concurrencyKey: null, traceContext: null };
    const jobs: FlowJobInsert[] = [
      { ...leaf, task: 'flow.parent', parentIndex: null, onChildFailure: 'fail' },
      ...Array.from({ length: CHILDREN }, (): FlowJobInsert => ({ ...leaf, task: 'flow.child', parentIndex: 0, onChildFailure: 'fail' })),
    ];
    const [parent] = await storeAt(0).flows.insert({ jobs, now });
    if (parent === undefined) throw new Error('flows.insert returned no jobs.');
    const claims: Job[][] = [];
    for (const [index, store] of stores.entries()) {
      const leaseExpiresAt = new Date(now.getTime() + 60_000);
      claims.push(await store.jobs.claim({ queues: [leaf.queue], tasks: ['flow.child'], workerId: `worker-${index}`, limit: CHILDREN / STORES, now, leaseExpiresAt }));
    }
    expect(claims.flat()).toHaveLength(CHILDREN);
    const at = new Date();
    const updates = claims.map((claimed) =>
      claimed.map((job): JobStateUpdate => {
        const ref = { id: job.id, attempt: job.attempt, workerId: job.workerId ?? '' };
        return outcome === 'succeeded' ? jobSucceeded(ref, at, job.id) : jobDead(ref, at, { attempt: job.attempt, message: `boom ${job.id}`, stack: null, at });
      }),
    );
    const results = await Promise.all(stores.map((store, index) => store.jobs.setStateIfRunningMany({ updates: updates[index] ?? [] })));
    expect(results.flat().every((result) => result.applied)).toBe(true);
    const settled = await storeAt(1).jobs.get({ id: parent.id });
    if (settled === null) throw new Error(`Parent ${parent.id} of round ${round} vanished.`);
    return settled;
  }

  /** Finish a job behind the stores' backs, so its parent is not settled. */
  async function finishWithoutSettling(job: Job, state: 'succeeded' | 'dead' | 'cancelled', errors: unknown[] = []): Promise<void> {
    await withPostgresClient((client) =>
      client.query(`UPDATE ${quoteIdentifier(schema)}.jobs SET state = $2, errors = $3::jsonb, finished_at = now(), updated_at = now() WHERE id = $1`, [
        job.id,
        state,
        JSON.stringify(errors),
      ]),
    );
  }

  async function insertFlow(jobs: Array<Partial<FlowJobInsert>>, now = new Date()): Promise<Job[]> {
    const base = { task: 't', queue: 'q', input: null, priority: 0, runAt: now, maxAttempts: 3, dedupKey: null, concurrencyKey: null, traceContext: null };
    return storeAt(0).flows.insert({ jobs: jobs.map((job, index) => ({ ...base, parentIndex: index === 0 ? null : 0, onChildFailure: 'fail', ...job })), now });
  }

  async function settleLog(jobId: string): Promise<string[]> {
    return withPostgresClient(async (client) => {
      const { rows } = await client.query<{ to_state: string }>(`SELECT to_state FROM ${quoteIdentifier(schema)}.settle_log WHERE job_id = $1`, [jobId]);
      return rows.map((row) => row.to_state);
    });
  }

  it(`a parent whose ${CHILDREN} children four stores finish at once is queued exactly once, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const parent = await runRound(round, 'succeeded');
      expect(parent.state, `parent state after round ${round}`).toBe('queued');
      expect(parent.errors).toEqual([]);
      expect(await settleLog(parent.id), `settles of the parent in round ${round}`).toEqual(['queued']);
    }
    // Nothing was left for the maintenance sweep.
    expect(await storeAt(2).flows.settleWaiting({ now: new Date(), limit: 100 })).toBe(0);
  });

  it(`a parent whose ${CHILDREN} children all die at once dies exactly once, with one error, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const parent = await runRound(round, 'dead');
      const children = await storeAt(3).flows.childList({ id: parent.id });
      expect(parent.state, `parent state after round ${round}`).toBe('dead');
      expect(parent.errors.map((error) => error.message)).toEqual([
        `Child job ${children[0]?.id} (task "flow.child") ended dead: boom ${children[0]?.id}`,
      ]);
      expect(await settleLog(parent.id), `settles of the parent in round ${round}`).toEqual(['dead']);
    }
    expect(await storeAt(2).flows.settleWaiting({ now: new Date(), limit: 100 })).toBe(0);
  });

  it('the sweep releases parents left waiting with finished children, lowest ids first, within its limit', async () => {
    const flows = await Promise.all([1, 2, 3].map(() => insertFlow([{}, {}, {}])));
    for (const [, ...children] of flows) for (const child of children) await finishWithoutSettling(child, 'succeeded');
    const roots = flows.map((jobs) => jobs[0]?.id ?? '').sort((a, b) => Number(a) - Number(b));
    const states = async () => Promise.all(roots.map(async (id) => (await storeAt(0).jobs.get({ id }))?.state));
    expect(await states()).toEqual(['waiting', 'waiting', 'waiting']);

    const now = new Date(Date.now() + 10_000);
    expect(await storeAt(1).flows.settleWaiting({ now, limit: 2 })).toBe(2);
    expect(await states(), 'lowest ids first').toEqual(['queued', 'queued', 'waiting']);
    expect(await storeAt(1).flows.settleWaiting({ now, limit: 2 })).toBe(1);
    expect(await storeAt(1).flows.settleWaiting({ now, limit: 2 })).toBe(0);
    expect(await storeAt(0).jobs.get({ id: roots[0] ?? '' })).toMatchObject({ state: 'queued', updatedAt: now, errors: [] });
  });

  it('the sweep kills a parent whose child ended dead, then its parent in turn, counting both', async () => {
    const [root, middle, leaf] = await insertFlow([{ task: 'publish' }, { task: 'resize' }, { task: 'scan', parentIndex: 1 }]);
    if (root === undefined || middle === undefined || leaf === undefined) throw new Error('flows.insert returned too few jobs.');
    await finishWithoutSettling(leaf, 'dead', [{ attempt: 1, message: 'virus found', stack: null, at: 5 }]);

    const now = new Date();
    expect(await storeAt(1).flows.settleWaiting({ now, limit: 1 })).toBe(2);
    const deadMiddle = await storeAt(0).jobs.get({ id: middle.id });
    expect(deadMiddle).toMatchObject({ state: 'dead', finishedAt: now });
    expect(deadMiddle?.errors).toEqual([{ attempt: 0, message: `Child job ${leaf.id} (task "scan") ended dead: virus found`, stack: null, at: now }]);
    expect((await storeAt(0).jobs.get({ id: root.id }))?.errors.map((error) => error.message)).toEqual([
      `Child job ${middle.id} (task "resize") ended dead: Child job ${leaf.id} (task "scan") ended dead: virus found`,
    ]);
  });

  it("the sweep names a child cancelled without an error as cancelled, and releases a 'continue' parent for its runAt", async () => {
    const now = new Date();
    const [failing, cancelledChild] = await insertFlow([{}, { task: 'fetch' }], now);
    const [continuing, cancelledToo] = await insertFlow([{ onChildFailure: 'continue', runAt: new Date(now.getTime() + 60_000) }, {}], now);
    if (failing === undefined || cancelledChild === undefined || continuing === undefined || cancelledToo === undefined) {
      throw new Error('flows.insert returned too few jobs.');
    }
    await finishWithoutSettling(cancelledChild, 'cancelled');
    await finishWithoutSettling(cancelledToo, 'cancelled');

    expect(await storeAt(1).flows.settleWaiting({ now, limit: 10 })).toBe(2);
    expect((await storeAt(0).jobs.get({ id: failing.id }))?.errors.map((error) => error.message)).toEqual([
      `Child job ${cancelledChild.id} (task "fetch") was cancelled`,
    ]);
    expect(await storeAt(0).jobs.get({ id: continuing.id }), 'released for its runAt, still ahead').toMatchObject({ state: 'scheduled', errors: [] });
  });

  it('four stores sweeping at once settle each parent left waiting exactly once', async () => {
    const flows = await Promise.all(Array.from({ length: 20 }, () => insertFlow([{}, {}])));
    for (const [, child] of flows) if (child !== undefined) await finishWithoutSettling(child, 'succeeded');
    const sweepUntilDone = async (store: PostgresStore): Promise<number> => {
      let total = 0;
      for (;;) {
        const settled = await store.flows.settleWaiting({ now: new Date(), limit: 3 });
        if (settled === 0) return total;
        total += settled;
      }
    };
    const counts = await Promise.all(stores.map(sweepUntilDone));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(flows.length);
    for (const [root] of flows) expect(await settleLog(root?.id ?? '')).toEqual(['queued']);
  });
});

describePostgres('postgres flows in a caller transaction', () => {
  let schema: string;
  let store: PostgresStore;
  let listener: PostgresStore;

  beforeEach(async () => {
    schema = freshSchemaName();
    store = openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    listener = openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    await store.migrations.run({ now: new Date() });
  });

  afterEach(async () => {
    await store.close();
    await listener.close();
    await dropSchema(schema);
  });

  it("flowInsert({ tx }) joins the caller's transaction: a rollback leaves nothing, a commit stores the flow and wakes its leaves' queue", async () => {
    const heard = collect(listener);
    await listener.noticesReady();
    const now = new Date();
    const flow = (queue: string): FlowJobInsert[] => {
      const job = { task: 'flow.tx', queue, input: {}, priority: 0, runAt: now, maxAttempts: 1, dedupKey: null, concurrencyKey: null, traceContext: null };
      return [
        { ...job, parentIndex: null, onChildFailure: 'fail' },
        { ...job, parentIndex: 0, onChildFailure: 'fail' },
      ];
    };
    const [rolledBack, committed] = await withPostgresClient(async (client) => {
      await client.query('BEGIN');
      const first = await store.flows.insert({ jobs: flow('tx-rolled-back'), now, tx: client });
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      const second = await store.flows.insert({ jobs: flow('tx-committed'), now, tx: client });
      // Not visible to the store's own connections until the caller commits.
      expect(await store.flows.get({ id: second[0]?.id ?? '' })).toEqual([]);
      await client.query('COMMIT');
      return [first, second];
    });
    expect(await store.flows.get({ id: rolledBack[0]?.id ?? '' })).toEqual([]);
    expect((await store.flows.get({ id: committed[0]?.id ?? '' })).map((job) => job.state)).toEqual(['waiting', 'queued']);
    await heard.next((notice) => notice.kind === 'jobs-available' && notice.queues.includes('tx-committed'));
    // Notices arrive in commit order: one from the rolled-back insert would have come before this one.
    expect(heard.notices.filter((notice) => notice.kind === 'jobs-available' && notice.queues.includes('tx-rolled-back'))).toEqual([]);
    heard.stop();
  });
});
