/**
 * Failure groups over a real SQLite store, with jobs made dead by a real worker: grouping, the scan
 * cap, and the JSON routes `GET /failure-groups` and `POST /failure-groups/{fingerprint}/retry`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorJson } from '../server/test-server.js';
import { loadFailureGroups } from './failure-groups.js';
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

  it('says when the scan was capped', async () => {
    const report = await loadFailureGroups(server.conveyor, 2);
    expect(report).toMatchObject({ scanned: 2, capped: true, limit: 2 });
    expect(report.groups.reduce((sum, group) => sum + group.count, 0)).toBe(2);
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
