/**
 * Saves the README's dashboard screenshots (`docs/screenshots/overview.png`, `job-detail.png`,
 * `failure-groups.png`, `schedules.png`, `queue.png` and `queue-dark.png`, the last in the system's dark mode) from a demo store (see `demo-seed.ts`), in headless Chromium (Debian's
 * `chromium`, or `CONVEYOR_CHROMIUM_PATH`).
 *
 * @example
 * npx tsx src/dashboard/screenshots/take-screenshots.ts [output directory]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { chromium } from 'playwright-core';
import { Conveyor } from '../../conveyor.js';
import { createServerApp } from '../../server/app.js';
import { healthRoutes } from '../../server/health.js';
import { startServer } from '../../server/listen.js';
import { dashboardRoutes } from '../dashboard-routes.js';
import { FAILURES_PAGE_PATH, jobPagePath, queuePagePath, SCHEDULES_PAGE_PATH } from '../paths.js';
import { CHROMIUM_PATH } from '../testing/chromium.js';
import { DEMO_TASKS, seedDemo, SERVED_DEMO_TASKS } from './demo-seed.js';
import { seedDemoSchedules } from './demo-schedules.js';

const TOKEN = 'screenshot-token-0123456789abcdef';

async function main(outputDirectory: string): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'conveyor-screenshots-'));
  const logger = pino({ level: 'silent' });
  const conveyor = await Conveyor.open({ store: `sqlite:${join(directory, 'demo.db')}`, tasks: DEMO_TASKS, logger });
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
  } finally {
    await browser.close();
    await server.close();
    await worker.stop();
    await conveyor.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

await main(resolve(process.argv[2] ?? 'docs/screenshots'));
