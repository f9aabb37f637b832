/**
 * The pages' content over real HTTP and a real store (the browser tests cover clicking through
 * them): paging the jobs list with the cursor, the overview's readiness warnings (and the overview
 * with the store down), the workers page with running jobs and a stalled worker, the live region the
 * script refreshes, and the failure groups' links to their retrying and dead jobs.
 */
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logIn, sessionCookie } from '../testing/log-in.js';
import { defineTask } from '../task.js';
import { sendEmail, startDashboardServer, TOKEN, type DashboardServer } from './testing/dashboard-server.js';

let server: DashboardServer;
let session: string;
beforeAll(async () => {
  server = await startDashboardServer();
  session = await logIn(server.url, TOKEN);
});
afterAll(async () => {
  releaseHeld();
  await server.close();
});

let releaseHeld: () => void = () => undefined;
const held = new Promise<void>((resolve) => {
  releaseHeld = resolve;
});
const holdJob = defineTask({ name: 'slow.hold', queue: 'slow', input: z.object({}), run: async () => held });
/** Always fails; its next attempt is an hour away, so a job with attempts left stays `failed` (retrying) for the test. */
const alwaysFails = defineTask({
  name: 'flaky.fail',
  queue: 'flaky',
  input: z.object({}),
  retry: { maxAttempts: 2, backoff: { initialMs: 3_600_000, maxMs: 3_600_000, jitter: 0 } },
  run: () => {
    throw new Error('upstream said no');
  },
});

async function page(path: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${server.url}${path}`, { headers: { ...sessionCookie(session), ...headers } });
  expect(response.status).toBe(200);
  return response.text();
}

const rowIds = (markup: string) => [...markup.matchAll(/<tr data-job-id="(\d+)"/g)].map((match) => match[1]);

describe('dashboard pages', () => {
  it('warns on the overview that no worker is live, before any starts', async () => {
    const overview = await page('/');
    expect(overview).toMatch(/data-warning="not-ready"><strong>Not ready \(live-worker\):<\/strong>no live worker: none is registered/);
  });

  it('pages through the jobs list with the cursor, newest first', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 60; index += 1) ids.push((await server.conveyor.enqueue(sendEmail, { to: `p${index}@example.com`, subject: 'page' })).job.id);
    const first = await page('/dashboard/jobs?queue=mail');
    expect(rowIds(first)).toEqual(ids.slice(10).reverse());
    const older = /href="(\/dashboard\/jobs\?queue=mail&amp;cursor=\d+)" rel="next"/.exec(first)?.[1]?.replaceAll('&amp;', '&');
    expect(older).toBeDefined();
    const second = await page(older ?? '');
    expect(rowIds(second)).toEqual(ids.slice(0, 10).reverse());
    expect(second).not.toContain('rel="next"');
    expect(second).toContain('← Newest');
  });

  it('answers the live script with the live region alone, without reading what only the filter form shows', async () => {
    // Spies that call through: the real store answers; they only count the calls.
    const countByGroup = vi.spyOn(server.conveyor.store.jobs, 'countByGroup');
    const listQueues = vi.spyOn(server.conveyor, 'listQueues');
    try {
      const region = await page('/dashboard/jobs?queue=mail', { 'x-conveyor-partial': 'live' });
      expect(region).not.toContain('<html');
      expect(region).not.toContain('<form class="filters"');
      expect(region).toContain('<table class="jobs">');
      expect(countByGroup).not.toHaveBeenCalled();
      expect(listQueues).not.toHaveBeenCalled();
      // The full page does read them, for the queue and task suggestions.
      const full = await page('/dashboard/jobs?queue=mail');
      expect(full).toContain('<datalist id="queue-names"><option value="mail"></option></datalist>');
      expect(countByGroup).toHaveBeenCalledTimes(1);
      expect(listQueues).toHaveBeenCalledTimes(1);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('shows each worker with its running jobs, and a stalled one on the workers page and the overview', async () => {
    const worker = await server.startWorker([holdJob]);
    const { job } = await server.conveyor.enqueue(holdJob, {});
    await expect.poll(async () => (await server.conveyor.getJob(job.id))?.state, { timeout: 10_000 }).toBe('running');
    const now = Date.now();
    await server.conveyor.store.workers.register({
      worker: { id: 'gone-worker-1', host: 'old-host', pid: 4242, queues: ['mail'], tasks: ['email.send'], concurrency: 3, startedAt: new Date(now - 3_600_000), lastHeartbeatAt: new Date(now - 120_000), handlersIgnoringAbort: [], dependencies: [], taskShapes: [] },
    });
    const workers = await page('/dashboard/workers');
    const liveRow = new RegExp(`<tr data-worker-id="${worker.id}">[\\s\\S]*?state-live[\\s\\S]*?<td class="num" data-running>1 / 4</td>`);
    expect(workers).toMatch(liveRow);
    expect(workers).toMatch(/<tr data-worker-id="gone-worker-1">[\s\S]*?state-stalled[\s\S]*?old-host[\s\S]*?4242[\s\S]*?data-running>0 \/ 3</);
    const overview = await page('/');
    expect(overview).toMatch(/data-warning="stalled-worker"><strong>Stalled worker:<\/strong><code>gone-worker-1<\/code> on old-host \(pid 4242\) stopped heartbeating 2 min ago/);
    expect(overview).not.toContain('data-warning="not-ready"');
    const detail = await page(`/dashboard/jobs/${job.id}`);
    expect(detail).toContain(`<code data-lease-owner>${worker.id}</code>`);
  });

  it('warns on the overview of a dependency a live worker finds down, where, since when, why, and how many jobs wait for it; the job page says why the job waits', async () => {
    const now = Date.now();
    const down = { name: 'mail-relay', target: 'tcp://smtp.internal:25', up: false, since: new Date(now - 300_000), checkedAt: new Date(now), lastError: 'connect ECONNREFUSED 10.0.0.25:25', tasks: ['email.send'] };
    const worker = { id: 'relay-less', host: 'jobs-7', pid: 77, queues: ['mail'], tasks: ['email.send'], concurrency: 1, startedAt: new Date(now - 600_000), lastHeartbeatAt: new Date(now), handlersIgnoringAbort: [], dependencies: [down], taskShapes: [] };
    await server.conveyor.store.workers.register({ worker });
    const queued = [(await server.conveyor.enqueue(sendEmail, { to: 'a@example.com', subject: 'x' })).job, (await server.conveyor.enqueue(sendEmail, { to: 'b@example.com', subject: 'y' })).job];
    try {
      // Other tests of this file leave queued jobs of the task too: the warning counts them all.
      const waiting = (await server.conveyor.insights.jobCounts()).filter((group) => group.task === 'email.send' && group.state === 'queued').reduce((sum, group) => sum + group.count, 0);
      expect(waiting).toBeGreaterThanOrEqual(2);
      const overview = await page('/');
      expect(overview).toMatch(
        new RegExp(
          `data-warning="dependency-down"><strong>Dependency down:</strong><code>mail-relay</code> at <code>tcp://smtp\\.internal:25</code>, since <time[^>]*>5 min ago</time> on jobs-7: ` +
            `connect ECONNREFUSED 10\\.0\\.0\\.25:25\\. Waiting for it: ${waiting.toLocaleString('en-US')} queued jobs of <a href="[^"]*task=email\\.send[^"]*"><code>email\\.send</code></a>\\.`,
        ),
      );
      expect(overview).not.toContain('Not ready (dependencies)');
      const detail = await page(`/dashboard/jobs/${queued[0]!.id}`);
      expect(detail).toMatch(/data-job-waits><strong>Waiting for a dependency:<\/strong>Every live worker that runs <code>email\.send<\/code> on queue <code>mail<\/code> finds a service it needs down/);
      expect(detail).toMatch(/<li><code>mail-relay<\/code> at <code>tcp:\/\/smtp\.internal:25<\/code>, down since <time[^>]*>5 min ago<\/time> on worker <code>relay-less<\/code> \(jobs-7\): connect ECONNREFUSED 10\.0\.0\.25:25<\/li>/);
    } finally {
      for (const job of queued) await server.conveyor.cancel(job.id);
      await server.conveyor.store.workers.deregister({ id: worker.id });
    }
  });

  it('serves the live script as JavaScript without a session', async () => {
    const overview = await page('/');
    const script = /<script src="(\/dashboard\/assets\/dashboard\.js\?v=[0-9a-f]+)" defer>/.exec(overview)?.[1];
    const response = await fetch(`${server.url}${script}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/javascript');
    expect(await response.text()).toContain("new EventSource(eventsUrl)");
  });

  it("links a failure group's task to its retrying and dead jobs alike", async () => {
    const worker = await server.startWorker([alwaysFails]);
    const retrying = (await server.conveyor.enqueue(alwaysFails, {})).job.id;
    const dead = (await server.conveyor.enqueue(alwaysFails, {}, { maxAttempts: 1 })).job.id;
    expect((await server.conveyor.waitFor(dead, { timeoutMs: 10_000 })).state).toBe('dead');
    await expect.poll(async () => (await server.conveyor.getJob(retrying))?.state, { timeout: 10_000 }).toBe('failed');
    await worker.stop();

    const failures = await page('/dashboard/failures');
    const link = /<a class="tag" href="([^"]+)">flaky\.fail<\/a>/.exec(failures)?.[1]?.replaceAll('&amp;', '&');
    expect(link).toBe('/dashboard/jobs?state=failed%2Cdead&task=flaky.fail');
    const jobs = await page(link ?? '');
    expect(rowIds(jobs)).toEqual([dead, retrying]);
    // Filtering again from that page keeps both states.
    expect(jobs).toContain('<option value="failed,dead" selected>failed or dead</option>');
  });
});

describe('the overview with the store down', () => {
  it('still renders, saying the store is unreachable, with the queues unknown rather than empty', async () => {
    const down = await startDashboardServer();
    try {
      await down.conveyor.enqueue(sendEmail, { to: 'down@example.com', subject: 'x' });
      await down.conveyor.close();
      // With the store down no session can be checked; a bearer token still can.
      const response = await fetch(`${down.url}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(200);
      const overview = await response.text();
      expect(overview).toMatch(/data-warning="not-ready"><strong>Not ready \(store\):<\/strong>unreachable: /);
      expect(overview).toContain('data-queues-unknown');
      expect(overview).not.toContain('No queues yet');
    } finally {
      await down.close();
    }
  });
});
