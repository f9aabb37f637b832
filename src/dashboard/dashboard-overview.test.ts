/**
 * The overview and failure groups in real Chromium: the orphan warning (F1) appears when jobs of a
 * task no live worker serves are enqueued and goes once a worker for it starts; pausing and resuming
 * a queue; and retrying a whole failure group after the bug is fixed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium } from './testing/chromium.js';
import { buildExport, invoiceSwitch, renderInvoice, sendEmail, startDashboardServer, type DashboardServer } from './testing/dashboard-server.js';

describeWithChromium('dashboard overview and failure groups in Chromium', (suite) => {
  let server: DashboardServer;
  beforeAll(async () => {
    server = await startDashboardServer();
    await server.startWorker([renderInvoice, sendEmail]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('warns about orphaned jobs until a worker serves them', async () => {
    const { page } = await suite.newPage();
    await server.logIn(page);
    const orphanWarning = page.locator('[data-warning="orphans"]');
    expect(await orphanWarning.count()).toBe(0);

    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) ids.push((await server.conveyor.enqueue(buildExport, { report: `q${index}` })).job.id);
    await page.reload();
    expect(await orphanWarning.textContent()).toMatch(/3 jobs of task export\.build in queue exports wait for a worker that serves them — no live worker serves this queue/);
    expect(await orphanWarning.locator('[data-fix]').textContent()).toMatch(/^Fix: start a worker whose module exports task "export\.build" \(on queue "exports"\): `conveyor worker <module>`/);

    await server.startWorker([buildExport]);
    for (const id of ids) await server.conveyor.waitFor(id, { timeoutMs: 10_000 });
    await expect.poll(async () => {
      await page.reload();
      return orphanWarning.count();
    }, { timeout: 10_000 }).toBe(0);
  });

  it('pauses and resumes a queue', async () => {
    await server.conveyor.enqueue(sendEmail, { to: 'pause@example.com', subject: 'x' });
    const { page } = await suite.newPage();
    await server.logIn(page);
    const row = page.locator('tr[data-queue="mail"]');
    await Promise.all([page.waitForURL(`${server.url}/`), row.locator('button:has-text("Pause")').click()]);
    expect(await row.locator('[data-queue-state]').textContent()).toBe('paused');
    expect(await page.locator('.flash.ok').textContent()).toContain('Paused queue "mail"');
    expect((await server.conveyor.listQueues()).find((queue) => queue.name === 'mail')?.paused).toBe(true);
    await Promise.all([page.waitForURL(`${server.url}/`), row.locator('button:has-text("Resume")').click()]);
    expect(await row.locator('[data-queue-state]').textContent()).toBe('running');
  });

  it('retries every job of a failure group', async () => {
    invoiceSwitch.broken = true;
    const ids: string[] = [];
    for (const customer of ['Ada', 'Grace', 'Linus']) ids.push((await server.conveyor.enqueue(renderInvoice, { customer, amountCents: 900 })).job.id);
    const unrelated = (await server.conveyor.enqueue(renderInvoice, { customer: 'Ken', amountCents: -1 })).job.id;
    for (const id of [...ids, unrelated]) await server.conveyor.waitFor(id, { timeoutMs: 10_000 });

    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/failures`);
    const group = page.locator('tr[data-fingerprint]', { hasText: 'has no billing address' });
    expect(await group.locator('[data-group-count]').textContent()).toBe('3');
    expect(await group.textContent()).toContain('Customer "<str>" has no billing address');

    invoiceSwitch.broken = false;
    await Promise.all([page.waitForURL(`${server.url}/dashboard/failures`), group.locator('button:has-text("Retry all 3")').click()]);
    expect(await page.locator('.flash.ok').textContent()).toContain('Queued 3 jobs of the group again.');
    for (const id of ids) expect((await server.conveyor.waitFor(id, { timeoutMs: 10_000 })).state).toBe('succeeded');
    expect((await server.conveyor.getJob(unrelated))?.state).toBe('dead');
    await page.reload();
    expect(await page.locator('tr[data-fingerprint]').count()).toBe(1);
    expect(await page.locator('tr[data-fingerprint]').textContent()).toContain('RangeError');
  });
});
