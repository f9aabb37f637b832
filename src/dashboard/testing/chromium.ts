/**
 * How a dashboard test file declares its browser suite. It runs in real headless Chromium (Debian's
 * `chromium` package, driven by `playwright-core`; never a browser Playwright downloads), one browser
 * per file. Where `/usr/bin/chromium` (or `CONVEYOR_CHROMIUM_PATH`) is absent, the suite's one test
 * is skipped with the reason in its title; with `CONVEYOR_REQUIRE_CHROMIUM=1` (as in CI) it fails
 * instead, so a CI machine without the browser never passes as "skipped".
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';

export const CHROMIUM_PATH = process.env.CONVEYOR_CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function chromiumRequired(): boolean {
  return process.env.CONVEYOR_REQUIRE_CHROMIUM === '1';
}

export interface NewPageOptions {
  /**
   * Ignore the pages' Content-Security-Policy, so a test of escaping sees what the markup alone
   * would do: with the CSP on, an injected inline handler is blocked and the test could not fail.
   * @default false
   */
  bypassCSP?: boolean;
  /** The window's size, e.g. a phone's 360×740. @default Playwright's 1280×720 */
  viewport?: { width: number; height: number };
  /** The system colour scheme the pages see (`prefers-color-scheme`). @default 'light' */
  colorScheme?: 'light' | 'dark';
}

export interface BrowserSuite {
  browser(): Browser;
  /** A fresh context (its own cookies) and page, closed after the test; every dialog it opens is recorded in `dialogs`. */
  newPage(options?: NewPageOptions): Promise<{ context: BrowserContext; page: Page; dialogs: string[] }>;
}

export function describeWithChromium(name: string, declare: (suite: BrowserSuite) => void): void {
  describe(name, () => {
    if (!existsSync(CHROMIUM_PATH)) {
      if (chromiumRequired()) {
        it('needs Chromium (CONVEYOR_REQUIRE_CHROMIUM=1)', () => {
          throw new Error(`No Chromium at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CONVEYOR_CHROMIUM_PATH.`);
        });
      } else {
        // Skipped on purpose: a machine without the browser, and CONVEYOR_REQUIRE_CHROMIUM unset.
        it.skip(`skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium; CONVEYOR_REQUIRE_CHROMIUM=1 makes this fail instead)`, () => {}); // reason: no browser, and the variable unset
      }
      return;
    }
    let browser: Browser | undefined;
    const contexts: BrowserContext[] = [];
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    });
    // Each test's pages close after it, ending their event streams before the file's server stops.
    afterEach(async () => {
      for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
    });
    afterAll(async () => {
      await browser?.close();
    });
    const suite: BrowserSuite = {
      browser: () => {
        if (browser === undefined) throw new Error('the browser is launched in beforeAll; use it inside tests');
        return browser;
      },
      newPage: async (options = {}) => {
        const context = await suite.browser().newContext({
          bypassCSP: options.bypassCSP ?? false,
          colorScheme: options.colorScheme ?? 'light',
          ...(options.viewport === undefined ? {} : { viewport: options.viewport }),
        });
        contexts.push(context);
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        const dialogs: string[] = [];
        page.on('dialog', (dialog) => {
          dialogs.push(dialog.message());
          void dialog.dismiss();
        });
        return { context, page, dialogs };
      },
    };
    declare(suite);
  });
}
