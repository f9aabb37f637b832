/**
 * The jobs pages in real Chromium: find a job by a word in its input, open a dead job and read its
 * stack, retry it once the bug is fixed and see it succeed, and hostile input, results and error
 * messages shown as text, never run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium } from './testing/chromium.js';
import { invoiceSwitch, renderInvoice, sendEmail, startDashboardServer, type DashboardServer } from './testing/dashboard-server.js';

const HOSTILE = '<img src=x onerror=alert(1)>';

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

    const { page, dialogs } = await suite.newPage();
    await server.logIn(page);
    for (const path of [`/dashboard/jobs/${dead.id}`, `/dashboard/jobs/${sent.id}`, `/dashboard/jobs?q=${encodeURIComponent('onerror')}`, '/dashboard/failures']) {
      await page.goto(`${server.url}${path}`);
      expect(await page.getByText(HOSTILE, { exact: false }).first().isVisible(), path).toBe(true);
      expect(await page.locator('main img').count(), path).toBe(0);
    }
    await page.goto(`${server.url}/dashboard/jobs/${sent.id}`);
    expect(await page.locator('[data-job-result]').textContent()).toContain(HOSTILE);
    expect(await page.locator('[data-job-input]').textContent()).toContain(HOSTILE);
    await page.goto(`${server.url}/dashboard/jobs/${dead.id}`);
    expect(await page.locator('.attempt-error .message').first().textContent()).toContain(HOSTILE);
    expect(dialogs).toEqual([]);
  });
});
