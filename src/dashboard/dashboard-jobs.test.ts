/**
 * The jobs pages in real Chromium: find a job by a word in its input, open a dead job and read its
 * stack, retry it once the bug is fixed and see it succeed, and hostile input, results and error
 * messages shown as text, never run: that test turns the pages' CSP off, so only escaping stands
 * between the payload and a running script.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium } from './testing/chromium.js';
import { invoiceSwitch, renderInvoice, sendEmail, startDashboardServer, type DashboardServer } from './testing/dashboard-server.js';

/** Breaks out of a text node, a double- or single-quoted attribute, and runs script when not escaped. */
const HOSTILE = `"'><img src=x onerror=alert(1)>`;
/** How the payload reads inside a job's input or result, shown as JSON. */
const HOSTILE_JSON = JSON.stringify(HOSTILE);
/** The error `invoice.render` throws for the hostile customer, as recorded. */
const HOSTILE_ERROR = `Customer "${HOSTILE}" has no billing address`;

describeWithChromium('dashboard jobs in Chromium', (suite) => {
  let server: DashboardServer;
  beforeAll(async () => {
    server = await startDashboardServer();
    await server.startWorker([renderInvoice, sendEmail]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('finds a job by a word in its input', async () => {
    const { conveyor } = server;
    for (const [index, to] of ['ada@example.com', 'grace@example.com', 'linus@example.com'].entries()) {
      await conveyor.enqueue(sendEmail, { to, subject: index === 1 ? 'Your zanzibar itinerary' : 'Weekly digest' });
    }
    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs`);
    await page.fill('input[name=q]', 'zanzibar');
    await Promise.all([page.waitForURL(/q=zanzibar/), page.click('button:has-text("Filter")')]);
    const rows = page.locator('table.jobs tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('grace@example.com');
    await rows.first().locator('a').first().click();
    await page.waitForURL(/\/dashboard\/jobs\/\d+$/);
    expect(await page.locator('[data-job-input]').textContent()).toContain('Your zanzibar itinerary');
  });

  it('shows a dead job with its stack, and retries it into success', async () => {
    invoiceSwitch.broken = true;
    const { job } = await server.conveyor.enqueue(renderInvoice, { customer: 'Globex', amountCents: 4200 });
    expect((await server.conveyor.waitFor(job.id, { timeoutMs: 10_000 })).state).toBe('dead');

    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs?state=dead`);
    await Promise.all([page.waitForURL(new RegExp(`/dashboard/jobs/${job.id}$`)), page.click(`tr[data-job-id="${job.id}"] a`)]);
    expect(await page.locator('h1 [data-job-state]').textContent()).toBe('dead');
    const stack = page.locator('[data-stack]').first();
    expect(await stack.isVisible()).toBe(true);
    expect(await stack.textContent()).toMatch(/^TypeError: Customer "Globex" has no billing address\n\s+at /);

    invoiceSwitch.broken = false;
    await Promise.all([page.waitForURL(new RegExp(`/dashboard/jobs/${job.id}$`)), page.click('button:has-text("Retry now")')]);
    expect(await page.locator('.flash.ok').textContent()).toContain(`Job #${job.id} is queued again`);
    await server.conveyor.waitFor(job.id, { timeoutMs: 10_000 });
    await expect.poll(async () => {
      await page.reload();
      return page.locator('h1 [data-job-state]').textContent();
    }, { timeout: 10_000 }).toBe('succeeded');
    expect(await page.locator('[data-job-result]').textContent()).toContain('"amountCents": 4200');
  });

  it('shows hostile input, results and error messages as text', async () => {
    invoiceSwitch.broken = true;
    const dead = (await server.conveyor.enqueue(renderInvoice, { customer: HOSTILE, amountCents: 1 })).job;
    const sent = (await server.conveyor.enqueue(sendEmail, { to: HOSTILE, subject: HOSTILE })).job;
    await server.conveyor.waitFor(dead.id, { timeoutMs: 10_000 });
    await server.conveyor.waitFor(sent.id, { timeoutMs: 10_000 });
    invoiceSwitch.broken = false;

    const { page, dialogs } = await suite.newPage({ bypassCSP: true });
    await server.logIn(page);
    // Where the payload is plain text it shows verbatim; in a job's input or result, as its JSON.
    const shown: Array<[path: string, text: string]> = [
      [`/dashboard/jobs/${dead.id}`, HOSTILE],
      [`/dashboard/jobs/${sent.id}`, HOSTILE_JSON],
      [`/dashboard/jobs?q=${encodeURIComponent('onerror')}`, HOSTILE],
      ['/dashboard/failures', HOSTILE],
    ];
    for (const [path, text] of shown) {
      await page.goto(`${server.url}${path}`);
      expect(await page.getByText(text, { exact: false }).first().isVisible(), path).toBe(true);
      expect(await page.locator('img').count(), `${path}: an img element was injected`).toBe(0);
    }
    await page.goto(`${server.url}/dashboard/jobs/${sent.id}`);
    expect(await page.locator('[data-job-result]').textContent()).toContain(HOSTILE_JSON);
    expect(await page.locator('[data-job-input]').textContent()).toContain(HOSTILE_JSON);
    await page.goto(`${server.url}/dashboard/jobs/${dead.id}`);
    expect(await page.locator('.attempt-error .message').first().textContent()).toContain(HOSTILE);
    expect(await page.locator('.attempt-error .message').first().textContent()).toContain(HOSTILE_ERROR);

    // In attributes: the jobs list's summary and the failure group's sample carry the text whole in `title`.
    await page.goto(`${server.url}/dashboard/jobs?q=${encodeURIComponent('onerror')}`);
    expect(await page.locator(`tr[data-job-id="${dead.id}"] td.summary`).getAttribute('title')).toBe(HOSTILE_ERROR);
    const sentSummary = JSON.stringify({ to: HOSTILE, subject: HOSTILE });
    expect(await page.locator(`tr[data-job-id="${sent.id}"] td.summary`).getAttribute('title')).toBe(sentSummary);
    await page.goto(`${server.url}/dashboard/failures`);
    const sample = page.locator('tr[data-fingerprint]', { has: page.locator(`a[href="/dashboard/jobs/${dead.id}"]`) }).locator('.summary');
    expect(await sample.getAttribute('title')).toBe(HOSTILE_ERROR);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
