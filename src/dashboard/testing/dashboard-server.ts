/**
 * A real server with the dashboard on loopback (port 0) over a real SQLite file, as `conveyor serve`
 * builds it, plus the tasks the dashboard tests enqueue and a switch that breaks one of them, so a
 * test can make jobs die and, "after the fix is deployed", succeed on retry.
 */
import { z } from 'zod';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import type { ArtifactOptions } from '../../artifacts/settings.js';
import { Conveyor } from '../../conveyor.js';
import { createServerApp } from '../../server/app.js';
import { healthRoutes } from '../../server/health.js';
import { startServer } from '../../server/listen.js';
import type { RateLimit } from '../../server/config.js';
import { sqliteTestStore, TEST_AUTH_FAILURE_LIMIT, TOKEN } from '../../server/test-server.js';
import { defineTask, type Task } from '../../task.js';
import type { Worker } from '../../worker/worker.js';
import { dashboardRoutes } from '../dashboard-routes.js';

export { TOKEN };

/** While true, `invoice.render` throws a TypeError naming the customer. A negative amount always throws a RangeError. */
export const invoiceSwitch = { broken: false };

export const renderInvoice = defineTask({
  name: 'invoice.render',
  queue: 'billing',
  input: z.object({ customer: z.string(), amountCents: z.number().int() }),
  retry: { maxAttempts: 1 },
  run: (input) => {
    if (input.amountCents < 0) throw new RangeError(`Amount ${input.amountCents} is negative`);
    if (invoiceSwitch.broken) throw new TypeError(`Customer "${input.customer}" has no billing address`);
    return { pdf: `invoices/${input.customer.length}.pdf`, amountCents: input.amountCents };
  },
});

export const sendEmail = defineTask({
  name: 'email.send',
  queue: 'mail',
  input: z.object({ to: z.string(), subject: z.string() }),
  run: (input) => ({ delivered: true, subject: input.subject }),
});

export const buildExport = defineTask({
  name: 'export.build',
  queue: 'exports',
  input: z.object({ report: z.string() }),
  run: (input) => ({ file: `${input.report}.csv` }),
});

export const DASHBOARD_TEST_TASKS: Task[] = [renderInvoice, sendEmail, buildExport];

export interface DashboardServer {
  url: string;
  /** The SQLite store the server runs on (`sqlite:<path>`), for a test to reach its file. */
  storeUrl: string;
  conveyor: Conveyor;
  /** A started worker for these tasks, polling fast; stopped by `close()`. */
  startWorker(tasks: Task[]): Promise<Worker>;
  /** Log a page in through the login form. */
  logIn(page: Page, token?: string): Promise<void>;
  close(): Promise<void>;
}

export interface DashboardServerOptions {
  /** The failed-login budget. @default TEST_AUTH_FAILURE_LIMIT (suites log in wrong on purpose) */
  authFailureLimit?: RateLimit | null;
  /** As `Conveyor.open({ artifacts })` (a signing key turns on the job page's signed links). @default the store backend, no links */
  artifacts?: ArtifactOptions;
  /** Tasks the server knows besides `DASHBOARD_TEST_TASKS` (the new-job form offers them). @default none */
  extraTasks?: Task[];
}

export async function startDashboardServer(options: DashboardServerOptions = {}): Promise<DashboardServer> {
  const store = await sqliteTestStore();
  const logger = pino({ level: process.env.CONVEYOR_LOG_LEVEL ?? 'silent' });
  const conveyor = await Conveyor.open({ store: store.storeUrl, tasks: [...DASHBOARD_TEST_TASKS, ...(options.extraTasks ?? [])], logger, ...(options.artifacts === undefined ? {} : { artifacts: options.artifacts }) });
  const authFailureLimit = options.authFailureLimit === undefined ? TEST_AUTH_FAILURE_LIMIT : options.authFailureLimit;
  const app = createServerApp({ deps: { conveyor, logger }, tokens: [TOKEN], authFailureLimit, extraRoutes: [healthRoutes, dashboardRoutes] });
  const server = await startServer({ app, port: 0, host: '127.0.0.1' });
  return {
    url: server.url,
    storeUrl: store.storeUrl,
    conveyor,
    startWorker: async (tasks) => {
      const worker = conveyor.createWorker({ tasks, pollIntervalMs: 50, concurrency: 4 });
      await worker.start();
      return worker;
    },
    logIn: async (page, token = TOKEN) => {
      await page.goto(`${server.url}/login`);
      await page.fill('input[name=token]', token);
      await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.click('button[type=submit]')]);
    },
    close: async () => {
      await server.close();
      await conveyor.close();
      await store.destroy();
    },
  };
}
