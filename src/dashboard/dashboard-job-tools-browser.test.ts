/**
 * The job tools in real Chromium, with the pages' real CSP and scripts: clicking through a flow's
 * tree, Run now with the page following the job live to its end, Copy input read back from the
 * clipboard, an edited copy refused with the problem next to its field and then enqueued, the
 * new-job form of a zod schema with a nested object and an enum, and a bulk retry whose progress
 * counts up to the total while jobs outside the filter stay as they were.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { flowStep } from '../client/flows.js';
import { describeWithChromium } from './testing/chromium.js';
import { buildExport, renderInvoice, sendEmail, startDashboardServer, type DashboardServer } from './testing/dashboard-server.js';
import { bookShipment } from './testing/shipment-task.js';

describeWithChromium('dashboard job tools in Chromium', (suite) => {
  let server: DashboardServer;
  beforeAll(async () => {
    server = await startDashboardServer({ extraTasks: [bookShipment] });
    // Only exports run: every other job stays where the test put it.
    await server.startWorker([buildExport]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('clicks through a flow drawn as a tree', async () => {
    const flow = await server.conveyor.flows.enqueue(
      flowStep(renderInvoice, { customer: 'Flow', amountCents: 5 }, { children: [flowStep(sendEmail, { to: 'one@example.com', subject: 'one' }), flowStep(sendEmail, { to: 'two@example.com', subject: 'two' })] }),
    );
    const [root, first, second] = flow.jobs.map((job) => job.id);
    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs/${second}`);
    const tree = page.locator('[data-flow-tree]');
    expect(await tree.locator('li.current [data-flow-state]').first().textContent()).toBe('queued');
    expect(await tree.locator('li[aria-current] > .flow-node strong').textContent()).toBe(`#${second}`);
    await Promise.all([page.waitForURL(new RegExp(`/dashboard/jobs/${root}$`)), tree.locator(`a[href="/dashboard/jobs/${root}"]`).click()]);
    expect(await page.locator('h1 [data-job-state]').textContent()).toBe('waiting');
    expect(await page.locator('[data-flow-tree] li.current').getAttribute('data-flow-node')).toBe(root);
    await Promise.all([page.waitForURL(new RegExp(`/dashboard/jobs/${first}$`)), page.locator(`[data-flow-tree] a[href="/dashboard/jobs/${first}"]`).click()]);
    expect(await page.locator('[data-job-input]').textContent()).toContain('one@example.com');
  });

  it('runs a scheduled job now, and the page follows it live to succeeded', async () => {
    const { job } = await server.conveyor.enqueue(buildExport, { report: 'run-now' }, { delayMs: 3_600_000 });
    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs/${job.id}`);
    expect(await page.locator('h1 [data-job-state]').textContent()).toBe('scheduled');
    await page.waitForSelector('[data-live-status="live"]');
    await Promise.all([page.waitForURL(new RegExp(`/dashboard/jobs/${job.id}$`)), page.click('[data-run-now]')]);
    expect(await page.locator('.flash.ok').textContent()).toContain(`Job #${job.id} is queued to run now`);
    await page.waitForSelector('[data-live-status="live"]');
    await page.locator('h1 [data-job-state]', { hasText: 'succeeded' }).waitFor();
    await page.locator('[data-job-result]').waitFor();
    expect(await page.locator('[data-job-result]').textContent()).toContain('run-now.csv');
  });

  it('copies a job\'s input as JSON to the clipboard', async () => {
    const { job } = await server.conveyor.enqueue(sendEmail, { to: 'copy@example.com', subject: 'Copy me' });
    const { context, page } = await suite.newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs/${job.id}`);
    await page.click('button[data-copy-from]');
    await page.locator('button[data-copy-from][data-copied="yes"]').waitFor();
    // A string: the tests compile without the DOM's types.
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(JSON.parse(copied)).toEqual({ to: 'copy@example.com', subject: 'Copy me' });
  });

  it('enqueues an edited copy: an invalid field is refused next to it, then fixed', async () => {
    const { job } = await server.conveyor.enqueue(bookShipment, { customer: 'Ada', parcels: 2, speed: 'standard', address: { city: 'Lyon', zip: '69001' } });
    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs/${job.id}`);
    await Promise.all([page.waitForURL(/\/dashboard\/enqueue\?copyOf=/), page.click('[data-enqueue-copy]')]);
    const zip = page.locator('input[name="input/address/zip"]');
    expect(await zip.inputValue()).toBe('69001');
    await zip.fill('690');
    await page.fill('input[name="input/parcels"]', '4');
    await Promise.all([page.waitForLoadState('load'), page.click('[data-enqueue-submit]')]);
    const zipField = page.locator('[data-field="input/address/zip"]');
    expect(await zipField.locator('[data-field-error]').textContent()).toBe('must be 5 digits');
    expect(await zipField.locator('[data-field-error]').isVisible()).toBe(true);
    expect(await page.locator('[data-field="input/address/city"] [data-field-error]').count()).toBe(0);
    expect(await page.locator('input[name="input/parcels"]').inputValue()).toBe('4');
    const before = (await server.conveyor.listJobs({ task: 'shipment.book' })).jobs.length;

    await page.fill('input[name="input/address/zip"]', '69002');
    await Promise.all([page.waitForURL(/\/dashboard\/jobs\/\d+$/), page.click('[data-enqueue-submit]')]);
    const copyId = /(\d+)$/.exec(page.url())?.[1] ?? '';
    expect(copyId).not.toBe(job.id);
    expect(await page.locator('.flash.ok').textContent()).toBe(`Enqueued job #${copyId} (queued).`);
    expect((await server.conveyor.getJob(copyId))?.input).toEqual({ customer: 'Ada', parcels: 4, speed: 'standard', address: { city: 'Lyon', zip: '69002' } });
    expect((await server.conveyor.listJobs({ task: 'shipment.book' })).jobs.length).toBe(before + 1);
  });

  it('enqueues a new job from the form generated for a zod schema with a nested object and an enum', async () => {
    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs`);
    await Promise.all([page.waitForURL(/\/dashboard\/enqueue$/), page.click('[data-new-job]')]);
    await Promise.all([page.waitForURL(/task=shipment\.book/), page.click('a[data-task="shipment.book"]')]);
    expect(await page.locator('fieldset[data-field="input/address"] legend').textContent()).toBe('address*');
    expect(await page.locator('select[name="input/speed"] option').allTextContents()).toEqual(['choose…', 'standard', 'express']);
    await page.fill('input[name="input/customer"]', 'Grace');
    await page.fill('input[name="input/parcels"]', '3');
    await page.selectOption('select[name="input/speed"]', { label: 'express' });
    await page.fill('input[name="input/address/city"]', 'Paris');
    await page.fill('input[name="input/address/zip"]', '75001');
    await page.check('input[name="input/fragile"]');
    await page.fill('textarea[name="input/tags"]', '["gift", "urgent"]');
    await Promise.all([page.waitForURL(/\/dashboard\/jobs\/\d+$/), page.click('[data-enqueue-submit]')]);
    expect(await page.locator('h1').textContent()).toContain('queued');
    expect(JSON.parse((await page.locator('[data-job-input]').textContent()) ?? '')).toEqual({
      customer: 'Grace',
      parcels: 3,
      speed: 'express',
      address: { city: 'Paris', zip: '75001' },
      fragile: true,
      tags: ['gift', 'urgent'],
    });
  });

  it('retries every job matching the filter, the progress counting up to the total, jobs outside it untouched', async () => {
    const total = 1_100;
    const inside = await server.conveyor.enqueueMany(Array.from({ length: total }, (_, index) => ({ task: sendEmail, input: { to: `bulk${index}@example.com`, subject: 'bulk' } })).slice(0, 1000));
    inside.push(...(await server.conveyor.enqueueMany(Array.from({ length: total - 1000 }, (_, index) => ({ task: sendEmail, input: { to: `bulk-tail${index}@example.com`, subject: 'bulk' } })))));
    const outside = await server.conveyor.enqueueMany([1, 2, 3].map((amountCents) => ({ task: renderInvoice, input: { customer: 'Outside', amountCents } })));
    for (const { job } of [...inside, ...outside]) await server.conveyor.cancel(job.id);
    const cancelledBefore = (await server.conveyor.listJobs({ task: 'email.send', states: ['cancelled'] }, { limit: 1000 })).jobs.length;
    expect(cancelledBefore).toBe(1000);

    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs?state=cancelled&task=email.send`);
    await Promise.all([page.waitForURL(/\/dashboard\/bulk\/retry\?/), page.click('[data-bulk-action="retry"]')]);
    expect(await page.locator('strong[data-bulk-total]').textContent()).toBe('1,100 jobs');
    // Record every status the script shows (evaluate runs outside the page's CSP).
    await page.evaluate(`(() => {
      const seen = (window.bulkStatuses = []);
      const status = document.querySelector('[data-bulk-status]');
      new MutationObserver(() => seen.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
    })()`);
    await page.click('[data-bulk-submit]');
    await page.locator('[data-bulk-status][data-bulk-state="finished"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-bulk-status]').textContent()).toBe('Retried 1,100 jobs.');
    expect(await page.evaluate<number[]>("(() => { const bar = document.querySelector('progress[data-bulk-progress]'); return [bar.value, bar.max]; })()")).toEqual([total, total]);
    const statuses = await page.evaluate<string[]>('window.bulkStatuses');
    expect(statuses).toEqual(expect.arrayContaining(['0 of 1,100…', '500 of 1,100…', '1,000 of 1,100…', 'Retried 1,100 jobs.']));

    for (const { job } of inside.slice(0, 5)) expect((await server.conveyor.getJob(job.id))?.state).toBe('queued');
    for (const { job } of outside) expect((await server.conveyor.getJob(job.id))?.state).toBe('cancelled');
    expect((await server.conveyor.listJobs({ task: 'email.send', states: ['cancelled'] })).jobs).toEqual([]);
  });
});
