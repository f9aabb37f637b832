/**
 * The schedules and queue pages in real Chromium: pausing, resuming and running a schedule by its
 * buttons; editing a queue's limits through its form (a valid form saved and shown, an invalid one
 * answered with the error next to its field and nothing saved); a queue page updating live, without
 * a reload, as its jobs finish.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defineSchedule } from '../schedule/define-schedule.js';
import { describeWithChromium } from './testing/chromium.js';
import { buildExport, sendEmail, startDashboardServer, type DashboardServer } from './testing/dashboard-server.js';

describeWithChromium('schedules and queue pages in Chromium', (suite) => {
  let server: DashboardServer;
  beforeAll(async () => {
    server = await startDashboardServer();
    await server.conveyor.schedules.upsert(defineSchedule({ name: 'exports.hourly', task: buildExport, cron: '0 * * * *', input: { report: 'hourly' } }));
    await server.startWorker([sendEmail, buildExport]);
  });
  afterAll(async () => {
    await server.close();
  });

  async function loggedIn(path: string): Promise<Page> {
    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}${path}`);
    return page;
  }

  it('pauses, resumes and runs a schedule by its buttons', async () => {
    const page = await loggedIn('/dashboard/schedules');
    const row = page.locator('tr[data-schedule="exports.hourly"]');
    expect(await row.locator('[data-schedule-state]').textContent()).toBe('active');
    await Promise.all([page.waitForURL('**/dashboard/schedules'), row.locator('[data-schedule-toggle]').click()]);
    expect(await row.locator('[data-schedule-state]').textContent()).toBe('paused');
    expect(await page.locator('.flash.ok').textContent()).toContain('Paused schedule "exports.hourly"');
    await row.locator('[data-schedule-toggle]').click();
    await expect.poll(() => row.locator('[data-schedule-state]').textContent()).toBe('active');

    await Promise.all([page.waitForURL(/\/dashboard\/jobs\/\d+$/), row.locator('[data-schedule-run]').click()]);
    expect(await page.locator('.flash.ok').textContent()).toContain('Ran schedule "exports.hourly" now');
    const id = page.url().split('/').pop()!;
    const job = await server.conveyor.waitFor(id, { timeoutMs: 10_000 });
    expect(job).toMatchObject({ task: 'export.build', state: 'succeeded', input: { report: 'hourly' } });
  });

  it("edits a queue's limits through the form: a valid one is saved, an invalid one is not", async () => {
    await server.conveyor.enqueue(sendEmail, { to: 'limits@example.com', subject: 'make the queue known' });
    const page = await loggedIn('/dashboard/queues/mail');
    await page.fill('input[name=concurrency]', '4');
    await page.fill('input[name=rateLimit]', '10');
    await page.fill('input[name=rateIntervalMs]', '60000');
    await Promise.all([page.waitForURL('**/dashboard/queues/mail'), page.click('[data-limits-form] button[type=submit]')]);
    expect(await page.locator('.flash.ok').textContent()).toContain('Saved the limits of queue "mail"');
    expect(await page.inputValue('input[name=concurrency]')).toBe('4');
    expect((await server.conveyor.listQueues()).find((queue) => queue.name === 'mail')?.limits).toEqual({ concurrency: 4, perKey: null, rate: { limit: 10, intervalMs: 60000 } });

    await page.fill('input[name=concurrency]', '9');
    await page.fill('input[name=perKey]', '-1');
    await Promise.all([page.waitForLoadState('load'), page.click('[data-limits-form] button[type=submit]')]);
    await page.waitForSelector('[data-field-error="perKey"]');
    // Static: the page answers the form's POST, so no live refresh may GET its URL.
    expect(await page.getAttribute('body', 'data-events')).toBe('');
    expect(await page.locator('[data-field-error="perKey"]').textContent()).toContain('must be a whole number');
    expect(await page.inputValue('input[name=perKey]')).toBe('-1');
    expect((await server.conveyor.listQueues()).find((queue) => queue.name === 'mail')?.limits.concurrency).toBe(4);
  });

  it('updates a queue page live as its jobs finish', async () => {
    await server.conveyor.pauseQueue('exports');
    const page = await loggedIn('/dashboard/queues/exports');
    await page.waitForSelector('[data-live-status="live"]');
    await page.evaluate("document.documentElement.setAttribute('data-test-marker', 'same')");
    const succeeded = page.locator('[data-chart="Last hour, per minute"] [data-chart-succeeded]');
    const before = Number(await succeeded.textContent());
    // Typing in the limits form: the live refreshes must leave it alone.
    await page.fill('input[name=concurrency]', '12');
    for (const report of ['a', 'b', 'c']) await server.conveyor.enqueue(buildExport, { report });
    await expect.poll(() => page.locator('[data-queue-count="queued"]').textContent(), { timeout: 10_000 }).toBe('3');
    await server.conveyor.resumeQueue('exports');
    await expect.poll(async () => Number(await succeeded.textContent()), { timeout: 10_000 }).toBe(before + 3);
    expect(await page.locator('[data-queue-count="queued"]').textContent()).toBe('0');
    expect(await page.evaluate("document.documentElement.getAttribute('data-test-marker')")).toBe('same');
    expect(await page.inputValue('input[name=concurrency]')).toBe('12');
  });
});
