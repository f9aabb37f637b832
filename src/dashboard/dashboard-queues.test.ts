/**
 * The queue pages over real HTTP and a real SQLite store, with a real worker running the jobs: the
 * queues list links each queue, a queue page counts what finished in its charts (succeeded and dead)
 * and the start latency of the jobs it ran, lists the worker serving it, and its limits form saves
 * valid limits and refuses invalid ones field by field without saving anything.
 */
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIn, sessionCookie } from '../testing/log-in.js';
import { defineTask } from '../task.js';
import { startDashboardServer, TOKEN, type DashboardServer } from './testing/dashboard-server.js';

const ping = defineTask({ name: 'pings.ping', queue: 'pings', input: z.object({ n: z.number() }), run: (input) => input.n });
const doomed = defineTask({
  name: 'pings.doomed',
  queue: 'pings',
  input: z.object({}),
  retry: { maxAttempts: 1 },
  run: () => {
    throw new Error('never works');
  },
});

let server: DashboardServer;
let session: string;
beforeAll(async () => {
  server = await startDashboardServer();
  session = await logIn(server.url, TOKEN);
  await server.startWorker([ping, doomed]);
  const jobs = await Promise.all([...Array.from({ length: 5 }, (_, n) => server.conveyor.enqueue(ping, { n })), server.conveyor.enqueue(doomed, {})]);
  for (const { job } of jobs) await server.conveyor.waitFor(job.id, { timeoutMs: 10_000 }).catch(() => undefined);
});
afterAll(async () => {
  await server.close();
});

async function get(path: string, status = 200): Promise<string> {
  const response = await fetch(`${server.url}${path}`, { headers: sessionCookie(session) });
  expect(response.status, path).toBe(status);
  return response.text();
}

async function postForm(path: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...sessionCookie(session), origin: server.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

const textOf = (markup: string, attribute: string) => new RegExp(`${attribute}[^>]*>([^<]*)<`).exec(markup)?.[1];

describe('queue pages', () => {
  it('lists every queue, each linked to its page, and the overview links there too', async () => {
    const list = await get('/dashboard/queues');
    expect(list).toContain('href="/dashboard/queues/pings"');
    expect(await get('/')).toContain('href="/dashboard/queues/pings"');
  });

  it("charts the queue's finished jobs over the last hour and day, dead ones apart", async () => {
    const markup = await get('/dashboard/queues/pings');
    const hour = markup.slice(markup.indexOf('data-chart="Last hour, per minute"'), markup.indexOf('data-chart="Last day, per hour"'));
    const day = markup.slice(markup.indexOf('data-chart="Last day, per hour"'));
    for (const chart of [hour, day]) {
      expect(textOf(chart, 'data-chart-succeeded')).toBe('5');
      expect(textOf(chart, 'data-chart-dead')).toBe('1');
    }
    expect(hour.match(/data-slice="/g)).toHaveLength(60);
    expect(day.match(/data-slice="/g)).toHaveLength(24);
    const sliceTotals = [...hour.matchAll(/data-slice-total="(\d+)"/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(sliceTotals).toBe(6);
  });

  it('gives start-latency percentiles over the jobs that ran, and says what the sample is', async () => {
    const markup = await get('/dashboard/queues/pings');
    expect(textOf(markup, 'data-latency-count')).toBe('6');
    for (const percentile of ['p50', 'p90', 'p99']) expect(textOf(markup, `data-latency="${percentile}"`)).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    expect(markup).toContain("among the queue's latest 500 started jobs");
  });

  it('lists the worker serving the queue', async () => {
    const [worker] = await server.conveyor.listWorkers();
    expect(await get('/dashboard/queues/pings')).toContain(`data-queue-worker="${worker!.id}"`);
  });

  it('saves valid limits from the form and shows them', async () => {
    const response = await postForm('/dashboard/queues/pings/limits', { concurrency: '7', perKey: '', rateLimit: '20', rateIntervalMs: '1000' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/queues/pings');
    const state = (await server.conveyor.listQueues()).find((queue) => queue.name === 'pings');
    expect(state?.limits).toEqual({ concurrency: 7, perKey: null, rate: { limit: 20, intervalMs: 1000 } });
    expect(await get('/dashboard/queues/pings')).toMatch(/name="concurrency" value="7"/);
  });

  it('refuses invalid limits with an error next to each bad field and saves none of the form', async () => {
    const response = await postForm('/dashboard/queues/pings/limits', { concurrency: '3', perKey: 'two', rateLimit: '5', rateIntervalMs: '' });
    expect(response.status).toBe(400);
    const markup = await response.text();
    expect(textOf(markup, 'data-field-error="perKey"')).toContain('must be a whole number from 1 to');
    expect(textOf(markup, 'data-field-error="rateIntervalMs"')).toContain('a rate needs both');
    expect(markup).not.toContain('data-field-error="concurrency"');
    expect(markup).toMatch(/name="perKey" value="two"/);
    const state = (await server.conveyor.listQueues()).find((queue) => queue.name === 'pings');
    expect(state?.limits.concurrency).toBe(7);
  });

  it('pauses from the queue page and comes back to it', async () => {
    const response = await postForm('/dashboard/queues/pings/pause?back=queue', {});
    expect(response.headers.get('location')).toBe('/dashboard/queues/pings');
    expect(textOf(await get('/dashboard/queues/pings'), 'data-queue-state')).toBe('paused');
    await server.conveyor.resumeQueue('pings');
  });

  it('answers 404 for a queue nothing names', async () => {
    expect(await get('/dashboard/queues/nowhere', 404)).toContain('No such queue');
  });
});
