/** `/health` and `/ready` (F7) over a real SQLite file, with real workers. */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConveyorStoreUnavailableError } from '../errors.js';
import { READINESS_CHECK_NAMES, type Readiness } from '../insights/readiness.js';
import { StoreTimeoutError, withTimeout } from '../insights/with-timeout.js';
import { healthRoutes } from './health.js';
import { attemptsSettled, emailTask, openFixture, reportTask, type Fixture } from './observability-fixture.js';

const BOTH = [emailTask, reportTask];
let fixture: Fixture;
beforeEach(async () => {
  fixture = await openFixture();
});
afterEach(async () => {
  await fixture.close();
});

async function ready(): Promise<{ status: number; body: Readiness; failing: string[] }> {
  const response = await healthRoutes(fixture.deps).request('/ready');
  const body = (await response.json()) as Readiness;
  return { status: response.status, body, failing: body.checks.filter((check) => !check.ok).map((check) => check.name) };
}

function detailOf(body: Readiness, name: string): string {
  return body.checks.find((check) => check.name === name)?.detail ?? '';
}

describe('GET /health and GET /ready over HTTP', () => {
  it('/health is 200 while the process runs; /ready is 200 with a live worker and nothing orphaned', async () => {
    const url = await fixture.listen(healthRoutes(fixture.deps));
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    await fixture.startWorker(BOTH);
    const response = await fetch(`${url}/ready`);
    const body = (await response.json()) as Readiness;
    expect(response.status).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.checks.map((check) => check.name)).toEqual([...READINESS_CHECK_NAMES]);
    expect(body.checks.every((check) => check.ok)).toBe(true);
    expect(detailOf(body, 'live-worker')).toBe('1 live worker(s) serving queues "emails", "reports"');
  });
});

describe('GET /ready', () => {
  it('is 503 naming the live-worker check when the only worker stops, and 200 once a worker runs again', async () => {
    const worker = await fixture.startWorker(BOTH);
    expect((await ready()).status).toBe(200);
    await worker.stop();
    const stopped = await ready();
    expect(stopped.status).toBe(503);
    expect(stopped.body.ready).toBe(false);
    expect(stopped.failing).toEqual(['live-worker']);
    expect(detailOf(stopped.body, 'live-worker')).toBe('no live worker: none is registered');
    await fixture.startWorker(BOTH);
    expect((await ready()).status).toBe(200);
  });

  it('is 503 naming the orphaned jobs when a job waits on a queue no live worker serves, and 200 once one does', async () => {
    await fixture.startWorker([emailTask]);
    await fixture.conveyor.enqueue(reportTask, { n: 1 });
    const orphaned = await ready();
    expect(orphaned.status).toBe(503);
    expect(orphaned.failing).toEqual(['orphaned-jobs']);
    expect(detailOf(orphaned.body, 'orphaned-jobs')).toBe(
      '1 queued job(s) no live worker serves: 1 of task "obs.report" in queue "reports" (no live worker serves the queue; fix: start a worker whose module exports task "obs.report" (on queue "reports"): `conveyor worker <module>` (a worker started with --queues must list it: --queues emails,reports); or, if "reports" is a typo, fix the task\'s `queue` option and retry the jobs)',
    );
    let ran!: Promise<void>;
    await fixture.startWorker([reportTask], (worker) => (ran = attemptsSettled(worker, 1)));
    expect((await ready()).status).toBe(200);
    await ran;
    expect((await ready()).status).toBe(200);
  });

  it('is 503 naming a worker whose heartbeat stopped', async () => {
    await fixture.startWorker(BOTH);
    const longAgo = new Date(Date.now() - 60_000);
    await fixture.conveyor.store.workers.register({
      worker: { id: 'crashed-worker', host: 'gone-host', pid: 4242, queues: ['emails'], tasks: [emailTask.name], concurrency: 1, startedAt: longAgo, lastHeartbeatAt: longAgo, handlersIgnoringAbort: [], dependencies: [], taskShapes: [] },
    });
    const stalled = await ready();
    expect(stalled.status).toBe(503);
    expect(stalled.failing).toEqual(['stalled-workers']);
    expect(detailOf(stalled.body, 'stalled-workers')).toMatch(/^1 worker\(s\) stopped heartbeating: crashed-worker \(gone-host pid 4242, last heartbeat \d+ s ago\)$/);
  });

  it('is 503 naming the pending migration when the database is behind this package', async () => {
    await fixture.startWorker(BOTH);
    const db = new Database(fixture.databasePath);
    const { version } = db.prepare('SELECT max(version) AS version FROM conveyor_migrations').get() as { version: number };
    db.prepare('DELETE FROM conveyor_migrations WHERE version = ?').run(version);
    db.close();
    const behind = await ready();
    expect(behind.status).toBe(503);
    expect(behind.failing).toEqual(['migrations']);
    expect(detailOf(behind.body, 'migrations')).toBe(`the database is at version ${version - 1} and needs migrations ${version} to reach ${version}; run \`conveyor migrate\``);
  });

  it('is 503 saying the database is ahead of this package, naming both versions, when a newer Conveyor migrated it', async () => {
    await fixture.startWorker(BOTH);
    const db = new Database(fixture.databasePath);
    const { version } = db.prepare('SELECT max(version) AS version FROM conveyor_migrations').get() as { version: number };
    db.prepare("INSERT INTO conveyor_migrations (version, name, checksum, applied_at) VALUES (?, 'from_the_future', 'x', 0)").run(version + 1);
    db.close();
    const ahead = await ready();
    expect(ahead.status).toBe(503);
    expect(ahead.failing).toEqual(['migrations']);
    expect(detailOf(ahead.body, 'store')).toMatch(/^answered in \d+ ms$/);
    expect(detailOf(ahead.body, 'migrations')).toBe(
      `The database is at migration version ${version + 1}, but this Conveyor package knows versions up to ${version} and has no migration ${version + 1} ("from_the_future"). ` +
        `The database was migrated by a newer Conveyor: upgrade this package to a version that ships migration ${version + 1}, or point it at another database.`,
    );
    expect(detailOf(ahead.body, 'live-worker')).toMatch(/^1 live worker/);
  });

  it('is 503 naming the store when it cannot be reached, and marks the checks that need it as not checked', async () => {
    await fixture.conveyor.close();
    const unreachable = await ready();
    expect(unreachable.status).toBe(503);
    expect(unreachable.failing).toEqual([...READINESS_CHECK_NAMES]);
    expect(detailOf(unreachable.body, 'store')).toMatch(/^unreachable: /);
    expect(detailOf(unreachable.body, 'live-worker')).toBe('not checked: the store did not answer');
  });
});

describe('withTimeout', () => {
  it('rejects with a StoreTimeoutError naming the call once the bound passes', async () => {
    const never = new Promise<never>(() => undefined);
    const bounded = withTimeout('conveyor.orphans()', 20, () => never);
    await expect(bounded).rejects.toBeInstanceOf(StoreTimeoutError);
    // So the API's error mapping answers a timeout like an outage: 503, not 500.
    await expect(bounded).rejects.toBeInstanceOf(ConveyorStoreUnavailableError);
    await expect(bounded).rejects.toThrow('conveyor.orphans() had no answer from the store within 20 ms');
  });

  it('passes a result through', async () => {
    expect(await withTimeout('call', 1_000, async () => 42)).toBe(42);
  });
});
