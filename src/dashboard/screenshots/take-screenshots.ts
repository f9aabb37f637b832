/**
 * Saves the README's dashboard screenshots (`docs/screenshots/overview.png`, `job-detail.png`,
 * `failure-groups.png`, `schedules.png`, `queue.png` and `queue-dark.png` (the last in the system's dark mode), and the job tools'
 * `job-flow-tree.png`, `new-job-form.png`, `bulk-retry.png`) from a demo store (see `demo-seed.ts`), in headless Chromium (Debian's
 * `chromium`, or `CONVEYOR_CHROMIUM_PATH`).
 *
 * @example
 * npx tsx src/dashboard/screenshots/take-screenshots.ts [output directory]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { chromium, type Page } from 'playwright-core';
import { Conveyor } from '../../conveyor.js';
import { createServerApp } from '../../server/app.js';
import { healthRoutes } from '../../server/health.js';
import { startServer } from '../../server/listen.js';
import { dashboardRoutes } from '../dashboard-routes.js';
import { bulkActionPath } from '../pages/bulk-confirm.js';
import { enqueueTaskPath, FAILURES_PAGE_PATH, jobPagePath, queuePagePath, SCHEDULES_PAGE_PATH } from '../paths.js';
import { CHROMIUM_PATH } from '../testing/chromium.js';
import { seedDemoSchedules } from './demo-schedules.js';
import { DEMO_TASKS, seedDemo, SERVED_DEMO_TASKS } from './demo-seed.js';
import { JOB_TOOLS_DEMO_TASKS, seedJobToolsDemo } from './job-tools-seed.js';

const TOKEN = 'screenshot-token-0123456789abcdef';

async function main(outputDirectory: string): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'conveyor-screenshots-'));
  const logger = pino({ level: 'silent' });
  const conveyor = await Conveyor.open({ store: `sqlite:${join(directory, 'demo.db')}`, tasks: [...DEMO_TASKS, ...JOB_TOOLS_DEMO_TASKS], logger });
  const worker = conveyor.createWorker({ tasks: SERVED_DEMO_TASKS, concurrency: 16 });
  const app = createServerApp({ deps: { conveyor, logger }, tokens: [TOKEN], extraRoutes: [healthRoutes, dashboardRoutes] });
  const server = await startServer({ app, port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const { deadReportId } = await seedDemo(conveyor);
    await seedDemoSchedules(conveyor);
    await worker.start();
    const page = await browser.newPage({ viewport: { width: 1360, height: 640 } });
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=token]', TOKEN);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')]);
    mkdirSync(outputDirectory, { recursive: true });
    const shoot = async (path: string, file: string) => {
      await page.goto(`${server.url}${path}`);
      // The event stream keeps a request open, so wait for the page to say it is live (or not) instead of for an idle network.
      await page.waitForSelector('[data-live-status="live"], [data-live-status="polling"]', { timeout: 3000 }).catch(() => undefined);
      await page.screenshot({ path: join(outputDirectory, file), fullPage: true });
      process.stdout.write(`saved ${join(outputDirectory, file)}\n`);
    };
    await shoot('/', 'overview.png');
    await shoot(jobPagePath(deadReportId), 'job-detail.png');
    await shoot(FAILURES_PAGE_PATH, 'failure-groups.png');
    await shoot(SCHEDULES_PAGE_PATH, 'schedules.png');
    await shoot(queuePagePath('media'), 'queue.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shoot(queuePagePath('media'), 'queue-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
    // Last: the job tools' own seed adds jobs the earlier pages should not show.
    await shootJobTools(page, server.url, conveyor, outputDirectory, shoot);
  } finally {
    await browser.close();
    await server.close();
    await worker.stop();
    await conveyor.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * The job tools: a flow job's page with its tree, the new-job form with a refused field, and a bulk
 * retry's confirm page. Seeded only now: the flow's jobs would show as orphans on the overview.
 */
async function shootJobTools(page: Page, url: string, conveyor: Conveyor, outputDirectory: string, shoot: (path: string, file: string) => Promise<void>): Promise<void> {
  const { flowJobId } = await seedJobToolsDemo(conveyor);
  await shoot(jobPagePath(flowJobId), 'job-flow-tree.png');
  await page.goto(`${url}${enqueueTaskPath('dataset.export')}`);
  await page.fill('input[name="input/datasetId"]', 'ds_2291');
  await page.selectOption('select[name="input/format"]', { label: 'parquet' });
  await page.fill('input[name="input/range/from"]', '2026-10-01');
  await page.fill('input[name="input/range/to"]', '2026-13-31');
  await page.fill('input[name="input/maxRows"]', '500000');
  await page.check('input[name="input/includeHeader"]');
  await page.fill('textarea[name="input/columns"]', '["region", "revenue", "orders"]');
  await Promise.all([page.waitForLoadState('load'), page.click('[data-enqueue-submit]')]);
  await page.screenshot({ path: join(outputDirectory, 'new-job-form.png'), fullPage: true });
  process.stdout.write(`saved ${join(outputDirectory, 'new-job-form.png')}\n`);
  await shoot(bulkActionPath('retry', { state: 'dead' }), 'bulk-retry.png');
}

await main(resolve(process.argv[2] ?? 'docs/screenshots'));
