/**
 * Durable steps on the job page over real HTTP, on a real server and SQLite file with a real worker:
 * the Steps section lists each step a handler reached (names and errors escaped), a sleeping or
 * waiting job says what it sleeps or waits for and until when, and a job without steps says it has
 * none. Then in real Chromium: a step finishing while the job keeps running shows on the open page
 * (only the step's event can refresh it), and a waiting job's page follows it to succeeded when its
 * event is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { logIn, sessionCookie } from '../testing/log-in.js';
import { defineTask } from '../task.js';
import { describeWithChromium } from './testing/chromium.js';
import { sendEmail, startDashboardServer, TOKEN, type DashboardServer } from './testing/dashboard-server.js';

/** Markup in a step's name, a wait's match and a step's error: each must show as text. */
const HOSTILE_STEP = `fetch <img src=x onerror=alert(1)>`;
const HOSTILE_TAG = `"><script>alert(2)</script>`;
const HOUR_MS = 3_600_000;

/** Runs a step, then sleeps an hour, waits an hour for an approval, or fails a step, by `mode`. */
const steppedReport = defineTask({
  name: 'report.stepped',
  queue: 'reports',
  input: z.object({ mode: z.enum(['sleep', 'wait', 'fail']), exportId: z.number().int() }),
  retry: { maxAttempts: 1 },
  run: async ({ mode, exportId }, ctx) => {
    const rows = await ctx.step(HOSTILE_STEP, () => ({ rows: 3 }));
    if (mode === 'sleep') await ctx.sleep('cool-down', HOUR_MS);
    if (mode === 'wait') {
      const approval = await ctx.waitForEvent<{ by: string }>('approval', { event: 'export.approved', match: { exportId, tag: HOSTILE_TAG }, timeoutMs: HOUR_MS });
      return approval.timedOut ? 'timed out' : `approved by ${approval.payload.by}`;
    }
    if (mode === 'fail') {
      await ctx.step('upload', () => {
        throw new TypeError('the bucket <b>exports</b> refused the upload');
      });
    }
    return rows;
  },
});

/** Polls the store until `check` holds (a sleep or wait is a step row, which no client call waits for); `expect.poll` cannot run in `beforeAll`. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('durable steps on the job page, over HTTP', () => {
  let server: DashboardServer;
  let session: { cookie: string };
  const ids = { sleeping: '', waiting: '', failed: '', none: '' };
  const page = async (id: string) => {
    const response = await fetch(`${server.url}/dashboard/jobs/${id}`, { headers: session });
    expect(response.status).toBe(200);
    return response.text();
  };

  beforeAll(async () => {
    server = await startDashboardServer();
    session = sessionCookie(await logIn(server.url, TOKEN));
    await server.startWorker([steppedReport, sendEmail]);
    const { conveyor } = server;
    ids.sleeping = (await conveyor.enqueue(steppedReport, { mode: 'sleep', exportId: 1 })).job.id;
    ids.waiting = (await conveyor.enqueue(steppedReport, { mode: 'wait', exportId: 42 })).job.id;
    ids.failed = (await conveyor.enqueue(steppedReport, { mode: 'fail', exportId: 3 })).job.id;
    ids.none = (await conveyor.enqueue(sendEmail, { to: 'a@example.com', subject: 'no steps' })).job.id;
    const latestStatus = async (id: string) => (await conveyor.listSteps(id)).at(-1)?.status;
    await eventually(async () => (await conveyor.getJob(ids.sleeping))?.state === 'scheduled' && (await latestStatus(ids.sleeping)) === 'sleeping', 'the job sleeps');
    await eventually(async () => (await conveyor.getJob(ids.waiting))?.state === 'scheduled' && (await latestStatus(ids.waiting)) === 'waiting', 'the job waits');
    expect((await conveyor.waitFor(ids.failed, { timeoutMs: 10_000 })).state).toBe('dead');
    expect((await conveyor.waitFor(ids.none, { timeoutMs: 10_000 })).state).toBe('succeeded');
  });
  afterAll(async () => {
    await server.close();
  });

  it('draws a sleeping job’s steps in start order, and says it sleeps in which step until when', async () => {
    const html = await page(ids.sleeping);
    expect(html).toContain('<h2>Steps (2)</h2>');
    const rows = [...html.matchAll(/<tr data-step="([^"]*)" data-step-status="([^"]*)">/g)].map((match) => [match[1], match[2]]);
    expect(rows).toEqual([
      ['fetch &lt;img src=x onerror=alert(1)&gt;', 'succeeded'],
      ['cool-down', 'sleeping'],
    ]);
    expect(html).not.toContain('<img src=x');
    const until = (await server.conveyor.listSteps(ids.sleeping))[1]!.until!;
    const utc = `${until.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
    expect(html).toMatch(new RegExp(`<div class="warning" data-step-wait="sleep"><strong>Sleeping</strong> \\(step <code>cool-down</code>\\) until <time datetime="${until.toISOString()}">${utc}</time> <span class="muted">\\(<time[^>]*>in (1 h|59 min|60 min)</time>\\)</span>`));
    expect(html).toMatch(/<div class="step-detail">until <time datetime="[^"]+">[^<]+<\/time>/);
    expect(html).toMatch(/<span data-step-duration>[^<]+ so far<\/span>/);
    expect(html).toContain('<span class="state step-sleeping">sleeping</span>');
  });

  it('says which event a waiting job waits for, its match escaped, until its deadline; once sent, the wait reads as done and the notice is gone', async () => {
    const html = await page(ids.waiting);
    expect(html).toContain('data-step-wait="wait"><strong>Waiting for event</strong> <code>export.approved</code> matching <code>{&quot;exportId&quot;:42,&quot;tag&quot;:&quot;\\&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;&quot;}</code> (step <code>approval</code>) until <time');
    expect(html).toContain('<div class="step-detail">waiting for <code>export.approved</code> (match <code>{&quot;exportId&quot;:42');
    expect(html).not.toContain('<script>alert(2)');

    expect((await server.conveyor.sendEvent('export.approved', { exportId: 42, tag: HOSTILE_TAG, by: 'ada' })).resolvedJobIds).toEqual([ids.waiting]);
    expect(await server.conveyor.waitFor(ids.waiting, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: 'approved by ada' });
    const after = await page(ids.waiting);
    expect(after).not.toContain('data-step-wait');
    expect(after).toContain('<tr data-step="approval" data-step-status="succeeded">');
    expect(after).toContain('<div class="step-detail">waited for <code>export.approved</code>');
  });

  it('shows a failed step’s error, escaped, and no wait notice for a dead job', async () => {
    const html = await page(ids.failed);
    expect(html).toContain('<tr data-step="upload" data-step-status="failed">');
    expect(html).toContain('<div class="step-detail message" data-step-error><code>TypeError</code> the bucket &lt;b&gt;exports&lt;/b&gt; refused the upload</div>');
    expect(html).toContain('<span class="state step-failed">failed</span>');
    expect(html).not.toContain('data-step-wait');
  });

  it('says so when the job ran no steps', async () => {
    const html = await page(ids.none);
    expect(html).toContain('This job ran no durable steps.');
    expect(html).not.toContain('<table class="steps">');
  });
});

/** A promise and its resolve (Node 20 has no Promise.withResolvers). */
function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describeWithChromium('durable steps on the job page in Chromium', (suite) => {
  let server: DashboardServer;
  const gates = { second: gate(), finish: gate() };
  const slowSteps = defineTask({
    name: 'report.slow-steps',
    queue: 'reports',
    input: z.object({}),
    run: async (_input, ctx) => {
      await ctx.step('first', () => 1);
      await gates.second.promise;
      await ctx.step('second', () => 2);
      await gates.finish.promise;
      return 'done';
    },
  });
  beforeAll(async () => {
    server = await startDashboardServer();
    await server.startWorker([slowSteps, steppedReport]);
  });
  afterAll(async () => {
    gates.second.resolve();
    gates.finish.resolve();
    await server.close();
  });

  it('shows a step as the running job finishes it, without a reload', async () => {
    const { job } = await server.conveyor.enqueue(slowSteps, {});
    await eventually(async () => (await server.conveyor.listSteps(job.id)).length === 1, 'the first step ran');
    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs/${job.id}`);
    await page.waitForSelector('[data-live-status="live"]');
    expect(await page.locator('tr[data-step]').count()).toBe(1);

    // The job stays running: only the step's event can make the page refresh.
    gates.second.resolve();
    await expect.poll(() => page.locator('tr[data-step="second"]').getAttribute('data-step-status').catch(() => null), { timeout: 10_000 }).toBe('succeeded');
    expect(await page.locator('h1 [data-job-state]').textContent()).toBe('running');
    expect(await page.locator('[data-steps] h2').textContent()).toBe('Steps (2)');
    gates.finish.resolve();
    await expect.poll(() => page.locator('h1 [data-job-state]').textContent(), { timeout: 10_000 }).toBe('succeeded');
  });

  it('follows a waiting job to succeeded when its event is sent: the notice goes, the wait reads as done', async () => {
    const { job } = await server.conveyor.enqueue(steppedReport, { mode: 'wait', exportId: 7 });
    await eventually(async () => (await server.conveyor.listSteps(job.id)).at(-1)?.status === 'waiting' && (await server.conveyor.getJob(job.id))?.state === 'scheduled', 'the job waits');
    const { page, dialogs } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs/${job.id}`);
    await page.waitForSelector('[data-live-status="live"]');
    expect(await page.locator('[data-step-wait="wait"]').textContent()).toMatch(/^Waiting for event export\.approved matching \{"exportId":7,"tag":"\\"><script>alert\(2\)<\/script>"\} \(step approval\) until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (1 h|59 min|60 min)\)/);
    expect(await page.locator('h1 [data-job-state]').textContent()).toBe('scheduled');

    await server.conveyor.sendEvent('export.approved', { exportId: 7, tag: HOSTILE_TAG, by: 'grace' });
    await expect.poll(() => page.locator('h1 [data-job-state]').textContent(), { timeout: 10_000 }).toBe('succeeded');
    await expect.poll(() => page.locator('tr[data-step="approval"]').getAttribute('data-step-status'), { timeout: 10_000 }).toBe('succeeded');
    expect(await page.locator('[data-step-wait]').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
