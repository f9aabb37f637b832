/**
 * Failure groups over a real SQLite store, with jobs made dead by a real worker: grouping, the
 * fingerprinting of jobs that failed before the store kept fingerprints, the JSON routes
 * `GET /failure-groups` and `POST /failure-groups/{fingerprint}/retry`, and the paging and retry
 * helpers they share with the rest of the server (`src/client/job-batches.ts`).
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listJobsUpTo, retryEach } from '../client/job-batches.js';
import { ConveyorConfigError } from '../errors.js';
import { errorJson } from '../server/test-server.js';
import { invoiceSwitch, renderInvoice, sendEmail, startDashboardServer, TOKEN, type DashboardServer } from './testing/dashboard-server.js';

interface GroupJson {
  fingerprint: string;
  type: string;
  message: string;
  topFrame: string | null;
  count: number;
  failed: number;
  dead: number;
  firstSeenAt: string;
  lastSeenAt: string;
  sample: { jobId: string; task: string; queue: string; message: string };
  tasks: string[];
  queues: string[];
}

let server: DashboardServer;
const addressless: string[] = [];
let negative: string;

const api = (method: string, path: string, token: string | null = TOKEN) =>
  fetch(`${server.url}${path}`, { method, headers: token === null ? {} : { authorization: `Bearer ${token}` } });

async function groups(): Promise<{ groups: GroupJson[]; scanned: number; capped: boolean }> {
  const response = await api('GET', '/failure-groups');
  expect(response.status).toBe(200);
  return (await response.json()) as { groups: GroupJson[]; scanned: number; capped: boolean };
}

beforeAll(async () => {
  server = await startDashboardServer();
  invoiceSwitch.broken = true;
  await server.startWorker([renderInvoice, sendEmail]);
  for (const customer of ['Ada', 'Grace Hopper', 'Initech']) {
    addressless.push((await server.conveyor.enqueue(renderInvoice, { customer, amountCents: 1200 })).job.id);
  }
  negative = (await server.conveyor.enqueue(renderInvoice, { customer: 'Linus', amountCents: -5 })).job.id;
  await server.conveyor.enqueue(sendEmail, { to: 'ok@example.com', subject: 'fine' });
  for (const id of [...addressless, negative]) expect((await server.conveyor.waitFor(id, { timeoutMs: 10_000 })).state).toBe('dead');
});
afterAll(async () => {
  await server.close();
});

describe('GET /failure-groups', () => {
  it('groups dead jobs by error type, normalised message and top frame, biggest first', async () => {
    const report = await groups();
    expect(report).toMatchObject({ scanned: 4, capped: false });
    expect(report.groups.map((group) => [group.type, group.message, group.count])).toEqual([
      ['TypeError', 'Customer "<str>" has no billing address', 3],
      ['RangeError', 'Amount -<n> is negative', 1],
    ]);
    const [addressGroup] = report.groups;
    expect(addressGroup).toMatchObject({ dead: 3, failed: 0, tasks: ['invoice.render'], queues: ['billing'] });
    expect(addressGroup?.topFrame).toMatch(/dashboard-server\.ts\)$/);
    // The sample is the newest job, with its message as recorded.
    expect(addressGroup?.sample).toEqual({ jobId: addressless[2], task: 'invoice.render', queue: 'billing', message: 'Customer "Initech" has no billing address' });
    expect(Date.parse(addressGroup?.firstSeenAt ?? '')).toBeLessThanOrEqual(Date.parse(addressGroup?.lastSeenAt ?? ''));
  });

  it('fingerprints jobs that failed before the store kept fingerprints, limit per report, and says when some are left out', async () => {
    const before = await server.conveyor.insights.failureGroups();
    // As a database migrated from before fingerprints were kept: the four dead jobs have none.
    const db = new Database(server.storeUrl.replace(/^sqlite:/, ''));
    try {
      expect(db.prepare("UPDATE conveyor_jobs SET error_fingerprint = NULL WHERE state = 'dead'").run().changes).toBe(4);
    } finally {
      db.close();
    }
    const first = await server.conveyor.insights.failureGroups(2);
    expect(first).toMatchObject({ scanned: 2, capped: true, limit: 2 });
    expect(first.groups.reduce((sum, group) => sum + group.count, 0)).toBe(2);
    const second = await server.conveyor.insights.failureGroups(2);
    expect(second).toMatchObject({ scanned: 4, capped: false, limit: 2 });
    expect(second.groups.map((group) => [group.fingerprint, group.count, group.sample.jobId])).toEqual(before.groups.map((group) => [group.fingerprint, group.count, group.sample.jobId]));
  });

  it('needs the token', async () => {
    expect((await api('GET', '/failure-groups', null)).status).toBe(401);
  });
});

describe('POST /failure-groups/{fingerprint}/retry', () => {
  it('refuses what is not a fingerprint (400), and a fingerprint no job has (404)', async () => {
    const bad = await api('POST', '/failure-groups/not-a-fingerprint/retry');
    expect(bad.status).toBe(400);
    expect((await errorJson(bad)).error.details?.[0]?.path).toBe('path.fingerprint');
    const unknown = await api('POST', '/failure-groups/0123456789abcdef/retry');
    expect(unknown.status).toBe(404);
    expect((await errorJson(unknown)).error.message).toContain('0123456789abcdef');
  });

  it('retries every job of the group and no other; after the fix they succeed', async () => {
    const before = await groups();
    const addressGroup = before.groups.find((group) => group.type === 'TypeError');
    invoiceSwitch.broken = false;
    const response = await api('POST', `/failure-groups/${addressGroup?.fingerprint}/retry`);
    expect(response.status).toBe(200);
    const result = (await response.json()) as { retried: string[]; failed: unknown[] };
    expect(result).toEqual({ retried: [...addressless].reverse(), failed: [] });
    for (const id of addressless) expect((await server.conveyor.waitFor(id, { timeoutMs: 10_000 })).state).toBe('succeeded');
    expect((await server.conveyor.getJob(negative))?.state).toBe('dead');
    expect((await groups()).groups.map((group) => group.type)).toEqual(['RangeError']);
  });
});

describe('listJobsUpTo and retryEach', () => {
  it('reads up to the limit, newest first, and says when more matched', async () => {
    const all = await listJobsUpTo(server.conveyor, { task: 'invoice.render' }, 1000);
    expect(all.jobs.map((job) => job.id)).toEqual([...addressless, negative].reverse());
    expect(all.capped).toBe(false);
    expect(await listJobsUpTo(server.conveyor, { task: 'invoice.render' }, 2)).toEqual({ jobs: all.jobs.slice(0, 2), capped: true });
    expect(await listJobsUpTo(server.conveyor, { task: 'invoice.render' }, all.jobs.length)).toEqual({ jobs: all.jobs, capped: false });
    await expect(listJobsUpTo(server.conveyor, {}, 0)).rejects.toBeInstanceOf(ConveyorConfigError);
  });

  it('retries each job it can, and reports a job in the wrong state (conflict) and one that is gone (not_found)', async () => {
    const scheduled = (await server.conveyor.enqueue(sendEmail, { to: 'later@example.com', subject: 'later' }, { delayMs: 3_600_000 })).job.id;
    const result = await retryEach(server.conveyor, [{ id: scheduled }, { id: negative }, { id: '999999' }]);
    expect(result).toEqual({
      retried: [negative],
      failed: [
        { id: scheduled, error: { code: 'conflict', message: expect.stringContaining(`Job ${scheduled} is scheduled`) } },
        { id: '999999', error: { code: 'not_found', message: 'No job with id "999999"' } },
      ],
    });
    // The negative amount still throws: retried, it ran once more and died again.
    const again = await server.conveyor.waitFor(negative, { timeoutMs: 10_000 });
    expect(again.state).toBe('dead');
    expect(again.errors).toHaveLength(2);
  });
});
