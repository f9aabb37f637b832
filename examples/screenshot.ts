/**
 * Saves a screenshot of a running Conveyor dashboard, for the examples' READMEs: logs in with an API
 * token in headless Chromium (Debian's `chromium`, or `CONVEYOR_CHROMIUM_PATH`) and shoots a page.
 *
 * @example
 * npx tsx examples/screenshot.ts http://127.0.0.1:8080 <token> docs/screenshots/example-avatar-scan.png [/path]
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const [baseUrl, token, output, path = '/'] = process.argv.slice(2);
if (baseUrl === undefined || token === undefined || output === undefined) {
  throw new Error('usage: screenshot.ts <dashboard url> <api token> <output .png> [page path, default /]');
}
const executablePath = process.env.CONVEYOR_CHROMIUM_PATH ?? '/usr/bin/chromium';
const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 720 } });
  await page.goto(`${baseUrl}/login`);
  await page.fill('input[name=token]', token);
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('button[type=submit]')]);
  await page.goto(`${baseUrl}${path}`);
  // The event stream keeps a request open: wait for the page to say it is live instead of for an idle network.
  await page.waitForSelector('[data-live-status="live"], [data-live-status="polling"]', { timeout: 3000 }).catch(() => undefined);
  mkdirSync(dirname(resolve(output)), { recursive: true });
  await page.screenshot({ path: resolve(output), fullPage: true });
  process.stdout.write(`saved ${resolve(output)}\n`);
} finally {
  await browser.close();
}
