/**
 * Live updates in real Chromium over the server's `GET /events` stream: with no reload, a job
 * enqueued while its queue is paused appears as queued on the jobs page, its detail page and the
 * overview's numbers, and all three show it succeeded once the queue is resumed.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium } from './testing/chromium.js';
import { sendEmail, startDashboardServer, type DashboardServer } from './testing/dashboard-server.js';

/** Marks the loaded document, so a test can tell the page was updated in place rather than reloaded. (Strings: this project compiles without the DOM types.) */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate("document.documentElement.setAttribute('data-test-marker', 'still-the-same-document')");
}

async function stillTheSameDocument(page: Page): Promise<boolean> {
  return (await page.evaluate("document.documentElement.getAttribute('data-test-marker')")) === 'still-the-same-document';
}

describeWithChromium('dashboard live updates in Chromium', (suite) => {
  let server: DashboardServer;
  beforeAll(async () => {
    server = await startDashboardServer();
    await server.startWorker([sendEmail]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('shows a job go from queued to succeeded without a reload', async () => {
    await server.conveyor.pauseQueue('mail');
    const { context, page: jobsPage } = await suite.newPage();
    await server.logIn(jobsPage);
    const overview = await context.newPage();
    await overview.goto(`${server.url}/`);
    await jobsPage.goto(`${server.url}/dashboard/jobs?queue=mail`);
    for (const page of [jobsPage, overview]) {
      await page.waitForSelector('[data-live-status="live"]');
      await markDocument(page);
    }
    const queuedTile = overview.locator('[data-tile="Queued"]');
    expect(await queuedTile.textContent()).toBe('0');

    const { job } = await server.conveyor.enqueue(sendEmail, { to: 'live@example.com', subject: 'watch me' });
    const badge = jobsPage.locator(`tr[data-job-id="${job.id}"] [data-job-state]`);
    await expect.poll(() => badge.textContent().catch(() => null), { timeout: 10_000 }).toBe('queued');
    await expect.poll(() => queuedTile.textContent(), { timeout: 10_000 }).toBe('1');

    const detail = await context.newPage();
    await detail.goto(`${server.url}/dashboard/jobs/${job.id}`);
    await detail.waitForSelector('[data-live-status="live"]');
    await markDocument(detail);
    expect(await detail.locator('h1 [data-job-state]').textContent()).toBe('queued');

    await server.conveyor.resumeQueue('mail');
    await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('succeeded');
    await expect.poll(() => detail.locator('h1 [data-job-state]').textContent(), { timeout: 10_000 }).toBe('succeeded');
    await expect.poll(() => detail.locator('[data-job-result]').textContent().catch(() => null), { timeout: 10_000 }).toContain('"delivered": true');
    await expect.poll(() => queuedTile.textContent(), { timeout: 10_000 }).toBe('0');
    for (const page of [jobsPage, overview, detail]) expect(await stillTheSameDocument(page)).toBe(true);
  });
});
