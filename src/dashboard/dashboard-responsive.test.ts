/**
 * Every dashboard page at a phone's 360 px width (nothing wider than the viewport: wide tables
 * scroll inside themselves, the navigation wraps), and dark mode following the system setting.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defineSchedule } from '../schedule/define-schedule.js';
import { describeWithChromium } from './testing/chromium.js';
import { buildExport, renderInvoice, sendEmail, startDashboardServer, type DashboardServer } from './testing/dashboard-server.js';

describeWithChromium('dashboard on a phone and in dark mode', (suite) => {
  let server: DashboardServer;
  let jobId: string;
  beforeAll(async () => {
    server = await startDashboardServer();
    await server.conveyor.schedules.upsert(defineSchedule({ name: 'exports.nightly-with-a-rather-long-name', task: buildExport, cron: '0 3 * * *', timeZone: 'America/Argentina/Buenos_Aires', input: { report: 'nightly' } }));
    await server.startWorker([sendEmail, buildExport]);
    const { job } = await server.conveyor.enqueue(sendEmail, { to: 'a-very-long-address-that-could-widen-a-table@example.com', subject: 'x'.repeat(200) });
    await server.conveyor.waitFor(job.id, { timeoutMs: 10_000 });
    await server.conveyor.enqueue(renderInvoice, { customer: 'acme', amountCents: 1200 });
    jobId = job.id;
  });
  afterAll(async () => {
    await server.close();
  });

  const pages = () => ['/', '/dashboard/jobs', `/dashboard/jobs/${jobId}`, '/dashboard/failures', '/dashboard/workers', '/dashboard/schedules', '/dashboard/queues', '/dashboard/queues/mail',
    // The job tools: the new-job form, an edited copy, a bulk confirm page.
    '/dashboard/enqueue', '/dashboard/enqueue?task=email.send', `/dashboard/enqueue?copyOf=${jobId}`, '/dashboard/bulk/retry?state=succeeded'];

  it('fits every page in 360 px: no element wider than the viewport', async () => {
    const { page } = await suite.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${server.url}/login`);
    expect(await page.evaluate('document.documentElement.scrollWidth'), '/login').toBeLessThanOrEqual(360);
    await server.logIn(page);
    for (const path of pages()) {
      await page.goto(`${server.url}${path}`);
      expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(360);
    }
  });

  it('follows the system dark mode: a dark background and light text on every page', async () => {
    const { page } = await suite.newPage({ colorScheme: 'dark' });
    await server.logIn(page);
    const luminance = (rgb: string) => {
      const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number);
      return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
    };
    for (const path of pages()) {
      await page.goto(`${server.url}${path}`);
      const background = String(await page.evaluate('getComputedStyle(document.body).backgroundColor'));
      const text = String(await page.evaluate('getComputedStyle(document.body).color'));
      expect(luminance(background), `${path} background ${background}`).toBeLessThan(40);
      expect(luminance(text), `${path} text ${text}`).toBeGreaterThan(180);
      const tableHeader = await page.evaluate("(() => { const th = document.querySelector('th'); return th === null ? null : getComputedStyle(th).backgroundColor; })()");
      if (tableHeader !== null) expect(luminance(String(tableHeader)), `${path} table header`).toBeLessThan(60);
    }
  });
});
