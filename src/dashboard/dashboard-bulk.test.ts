/**
 * Bulk actions on the jobs filter over real HTTP and a real SQLite store: the confirm page's exact
 * count (and what the action leaves alone), the batches of `BULK_BATCH_SIZE` the job-tools script
 * posts (JSON) and the plain-form run (a page per batch), jobs outside the filter untouched, delete
 * sparing unfinished jobs, and filters a bulk action cannot count refused with nothing done.
 */
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineTask } from '../task.js';
import type { JobState } from '../job.js';
import { BULK_BATCH_SIZE } from './bulk-actions.js';
import { flashOf } from './testing/dashboard-http.js';
import { buildExport, renderInvoice, sendEmail } from './testing/dashboard-server.js';
import { useLoggedInDashboard } from './testing/logged-in-dashboard.js';

const dashboard = useLoggedInDashboard();

/** More than two batches' worth. */
const MAIL_JOBS = 2 * BULK_BATCH_SIZE + 203;

async function statesOf(filter: { queue?: string; task?: string }): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let cursor: string | null = null;
  do {
    const page = await dashboard.server.conveyor.listJobs(filter, { cursor, limit: 1000 });
    for (const job of page.jobs) counts[job.state] = (counts[job.state] ?? 0) + 1;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return counts;
}

interface BatchAnswer {
  done: number;
  changed: number;
  skipped: number;
  cursor: string | null;
  finished: boolean;
  message: string | null;
}

/** Post batches as the job-tools script does until the server says finished; every answer, in order. */
async function runAsScript(path: string, fields: Record<string, string>): Promise<BatchAnswer[]> {
  const answers: BatchAnswer[] = [];
  let last: BatchAnswer | undefined;
  do {
    const carried: Record<string, string> = last === undefined ? {} : { cursor: last.cursor ?? '', done: String(last.done), changed: String(last.changed), skipped: String(last.skipped) };
    const response = await dashboard.http.post(path, { ...fields, ...carried }, { 'x-conveyor-bulk': 'json' });
    expect(response.status).toBe(200);
    last = (await response.json()) as BatchAnswer;
    answers.push(last);
  } while (!last.finished && answers.length < 20);
  return answers;
}

describe('bulk actions on the jobs filter', () => {
  beforeAll(async () => {
    const mail = Array.from({ length: MAIL_JOBS }, (_, index) => ({ task: sendEmail, input: { to: `bulk${index}@example.com`, subject: 'bulk' } }));
    for (let start = 0; start < mail.length; start += 1000) await dashboard.server.conveyor.enqueueMany(mail.slice(start, start + 1000));
    for (let index = 0; index < 3; index += 1) await dashboard.server.conveyor.enqueue(sendEmail, { to: `later${index}@example.com`, subject: 'later' }, { delayMs: 3_600_000 });
    for (let index = 0; index < 5; index += 1) await dashboard.server.conveyor.enqueue(renderInvoice, { customer: `Outside ${index}`, amountCents: 100 });
  });

  it('offers the bulk actions under the filter, with the filter in their links', async () => {
    const markup = await dashboard.http.page('/dashboard/jobs?state=queued&queue=mail');
    expect(markup).toContain('href="/dashboard/bulk/cancel?state=queued&amp;queue=mail" data-bulk-action="cancel"');
    expect(await dashboard.http.page('/dashboard/jobs?q=bulk')).toContain('data-bulk-unavailable');
  });

  it('cancels every queued mail job in batches, with the exact count first, and leaves the jobs outside the filter', async () => {
    const confirm = await dashboard.http.page('/dashboard/bulk/cancel?state=queued&queue=mail');
    expect(confirm).toContain(`<strong data-bulk-total="${MAIL_JOBS}">${MAIL_JOBS.toLocaleString('en-US')} jobs</strong> will be cancelled`);
    expect(confirm).toContain(`data-bulk-form data-bulk-total="${MAIL_JOBS}"`);
    const answers = await runAsScript('/dashboard/bulk/cancel', { state: 'queued', queue: 'mail', total: String(MAIL_JOBS) });
    expect(answers.map((answer) => answer.done)).toEqual([BULK_BATCH_SIZE, 2 * BULK_BATCH_SIZE, MAIL_JOBS]);
    expect(answers.at(-1)).toMatchObject({ finished: true, changed: MAIL_JOBS, skipped: 0, message: `Cancelled ${MAIL_JOBS.toLocaleString('en-US')} jobs.` });
    expect(await statesOf({ queue: 'mail' })).toEqual({ cancelled: MAIL_JOBS, scheduled: 3 });
    expect(await statesOf({ queue: 'billing' })).toEqual({ queued: 5 });
  });

  it('retries them with plain form posts, a page per batch, ending on the jobs page with a notice', async () => {
    const billingCancelled = (await dashboard.server.conveyor.listJobs({ queue: 'billing' }, { limit: 1 })).jobs[0];
    await dashboard.server.conveyor.cancel(billingCancelled?.id ?? '');
    const confirm = await dashboard.http.page('/dashboard/bulk/retry?state=cancelled&task=email.send');
    expect(confirm).toContain(`data-bulk-total="${MAIL_JOBS}"`);
    let fields: Record<string, string> = { state: 'cancelled', task: 'email.send', total: String(MAIL_JOBS) };
    let pages = 0;
    for (;;) {
      const response = await dashboard.http.post('/dashboard/bulk/retry', fields);
      if (response.status === 303) {
        expect(response.headers.get('location')).toBe('/dashboard/jobs?state=cancelled&task=email.send');
        expect(flashOf(response)).toEqual({ kind: 'ok', text: `Retried ${MAIL_JOBS.toLocaleString('en-US')} jobs.` });
        break;
      }
      expect(response.status).toBe(200);
      const markup = await response.text();
      pages += 1;
      expect(markup).toContain(`${(pages * BULK_BATCH_SIZE).toLocaleString('en-US')} of ${MAIL_JOBS.toLocaleString('en-US')}…`);
      const hidden = Object.fromEntries([...markup.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((match) => [match[1], match[2]]));
      fields = hidden as Record<string, string>;
      expect(pages).toBeLessThan(5);
    }
    expect(pages).toBe(2);
    expect(await statesOf({ queue: 'mail' })).toEqual({ queued: MAIL_JOBS, scheduled: 3 });
    expect(await statesOf({ queue: 'billing' })).toEqual({ queued: 4, cancelled: 1 });
  });

  it('deletes finished jobs only, saying what it leaves alone', async () => {
    const exports = await dashboard.server.conveyor.enqueueMany(['a', 'b', 'c'].map((report) => ({ task: buildExport, input: { report } })));
    for (const result of exports.slice(0, 2)) await dashboard.server.conveyor.cancel(result.job.id);
    const confirm = await dashboard.http.page('/dashboard/bulk/delete?queue=exports');
    expect(confirm).toContain('<strong data-bulk-total="2">2 jobs</strong> will be deleted: <span data-bulk-state="cancelled">2 cancelled</span>.');
    expect(confirm).toMatch(/data-bulk-left-alone>Also matching, and left alone: 1 queued\. Unfinished jobs .* are never deleted: cancel them first\./);
    const answers = await runAsScript('/dashboard/bulk/delete', { queue: 'exports', total: '2' });
    expect(answers).toEqual([{ done: 2, changed: 2, skipped: 0, cursor: null, finished: true, message: 'Deleted 2 jobs.' }]);
    expect(await statesOf({ queue: 'exports' })).toEqual({ queued: 1 });
    expect(await dashboard.server.conveyor.getJob(exports[0]?.job.id ?? '')).toBeNull();
  });

  it('refuses filters it cannot count (time, text), changing nothing', async () => {
    const before = await statesOf({ queue: 'mail' });
    const page = await dashboard.http.get('/dashboard/bulk/cancel?queue=mail&q=bulk');
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('this filter also has search text');
    const post = await dashboard.http.post('/dashboard/bulk/cancel', { queue: 'mail', q: 'bulk' }, { 'x-conveyor-bulk': 'json' });
    expect(post.status).toBe(400);
    expect(await post.json()).toEqual({ message: 'A bulk action takes no search text filter.' });
    expect(await statesOf({ queue: 'mail' })).toEqual(before);
    const unknown = await dashboard.http.get('/dashboard/bulk/explode');
    expect(unknown.status).toBe(404);
  });

  it('asks a running job to stop, and it ends cancelled', async () => {
    // Runs until its signal fires: the cancel's only way to end it.
    const waitsForCancel = defineTask({
      name: 'bulk.wait',
      queue: 'waiting-room',
      input: z.object({}),
      run: (_input, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped')))),
    });
    const worker = await dashboard.server.startWorker([waitsForCancel]);
    try {
      const { job } = await dashboard.server.conveyor.enqueue(waitsForCancel, {});
      await expect.poll(async () => (await dashboard.server.conveyor.getJob(job.id))?.state, { timeout: 10_000 }).toBe('running');
      expect(await dashboard.http.page('/dashboard/bulk/cancel?queue=waiting-room')).toContain('<span data-bulk-state="running">1 running</span>');
      const answers = await runAsScript('/dashboard/bulk/cancel', { queue: 'waiting-room', total: '1' });
      expect(answers).toEqual([{ done: 1, changed: 1, skipped: 0, cursor: null, finished: true, message: 'Cancelled 1 job.' }]);
      expect((await dashboard.server.conveyor.waitFor(job.id, { timeoutMs: 10_000 })).state).toBe('cancelled');
    } finally {
      await worker.stop();
    }
  });

  it('does nothing, and says so, when no matching job is in a state the action applies to', async () => {
    const confirm = await dashboard.http.page('/dashboard/bulk/retry?state=queued&queue=mail');
    expect(confirm).toContain('data-bulk-total="0"');
    expect(confirm).not.toContain('data-bulk-form');
    const states: JobState[] = ['queued'];
    const answers = await runAsScript('/dashboard/bulk/retry', { state: states.join(','), queue: 'mail' });
    expect(answers).toEqual([{ done: 0, changed: 0, skipped: 0, cursor: null, finished: true, message: 'Retried 0 jobs.' }]);
  });
});
