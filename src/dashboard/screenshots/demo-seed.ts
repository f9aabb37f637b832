/**
 * A realistic store for the README's screenshots: an hour of history on five queues (written through
 * the store with past times, so the throughput charts have shape), three kinds of recurring failure,
 * a stalled worker still holding jobs, a paused queue, and 412 export jobs no worker serves (F1).
 * Errors carry stacks shaped like those of a deployed app.
 */
import { z } from 'zod';
import type { Conveyor } from '../../conveyor.js';
import type { JobAttemptError } from '../../job.js';
import type { JobInsert, Store } from '../../store/store.js';
import { defineTask, type Task } from '../../task.js';

const anyInput = z.record(z.string(), z.unknown());
const succeed = () => ({ ok: true });

export const DEMO_TASKS: Task[] = [
  defineTask({ name: 'thumbnail.resize', queue: 'media', input: anyInput, run: succeed }),
  defineTask({ name: 'email.welcome', queue: 'mail', input: anyInput, run: succeed }),
  defineTask({ name: 'invoice.render', queue: 'billing', input: anyInput, run: succeed }),
  defineTask({ name: 'webhook.deliver', queue: 'webhooks', input: anyInput, run: succeed }),
  defineTask({ name: 'report.export', queue: 'reports', input: anyInput, run: succeed }),
  defineTask({ name: 'export.build', queue: 'exports', input: anyInput, run: succeed }),
];

/** The tasks a live worker serves in the demo: everything but `export.build`, whose jobs are orphans. */
export const SERVED_DEMO_TASKS = DEMO_TASKS.filter((task) => task.name !== 'export.build');

const MINUTE = 60_000;
/** The worker the history ran on (a past deployment's, no longer registered). */
const DEMO_HISTORY_WORKER = '5d0f3b2e-61c4-4a8e-9b1d-7c2e4f9a0b13';
const CUSTOMERS = ['ACME Corp', 'Globex', 'Initech', 'Umbrella Ltd', 'Hooli', 'Stark Industries', 'Wayne Enterprises'];
const NAMES = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'edsger', 'donald'];

/** A failure as a deployed app would record it: message and stack (paths of a built app, not of this repository). */
interface DemoFailure {
  message: string;
  stack: string;
}

const CONVEYOR_FRAMES = '    at async runAttempt (/srv/app/node_modules/conveyor/dist/worker/execute-job.js:61:22)\n    at async Attempts.run (/srv/app/node_modules/conveyor/dist/worker/attempts.js:48:9)';

function missingBillingAddress(customer: string): DemoFailure {
  const message = `Customer "${customer}" has no billing address`;
  return { message, stack: `TypeError: ${message}\n    at renderInvoicePdf (/srv/app/dist/billing/invoice-pdf.js:112:15)\n    at async renderInvoice (/srv/app/dist/tasks/invoice-render.js:27:17)\n${CONVEYOR_FRAMES}` };
}

function webhookRefused(host: string): DemoFailure {
  const message = `connect ECONNREFUSED ${host}:443`;
  return { message, stack: `Error: ${message}\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1611:16)\n    at async postWebhook (/srv/app/dist/webhooks/deliver.js:54:20)\n${CONVEYOR_FRAMES}` };
}

function warehouseTimeout(ms: number): DemoFailure {
  const message = `Warehouse query timed out after ${ms} ms`;
  return { message, stack: `Error: ${message}\n    at Timeout._onTimeout (/srv/app/dist/reports/warehouse.js:88:11)\n    at listOnTimeout (node:internal/timers:594:17)\n    at async exportReport (/srv/app/dist/tasks/report-export.js:41:18)\n${CONVEYOR_FRAMES}` };
}

function insert(task: Task, input: Record<string, unknown>, runAt: Date, maxAttempts = 3): JobInsert {
  return { task: task.name, queue: task.queue, input, priority: 0, runAt, maxAttempts, dedupKey: null, concurrencyKey: null, traceContext: null };
}

function taskNamed(name: string): Task {
  const task = DEMO_TASKS.find((candidate) => candidate.name === name);
  if (task === undefined) throw new Error(`demo task ${name} is not defined`);
  return task;
}

type Outcome = { kind: 'succeeded'; result: unknown } | { kind: 'dead'; failure: DemoFailure } | { kind: 'failed-then-succeeded'; failure: DemoFailure; result: unknown };

/** Insert one job at `at`, run it as `workerId`, and settle it `durationMs` later. */
async function runPast(store: Store, task: Task, input: Record<string, unknown>, at: Date, durationMs: number, outcome: Outcome): Promise<string> {
  const [inserted] = await store.jobs.insertMany({ jobs: [insert(task, input, at)], now: at });
  if (inserted === undefined) throw new Error('demo seed: insert returned nothing');
  const id = inserted.job.id;
  const attempts = outcome.kind === 'dead' ? 3 : outcome.kind === 'failed-then-succeeded' ? 2 : 1;
  let now = at;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const startedAt = new Date(now.getTime() + 400);
    const [claimed] = await store.jobs.claim({ queues: [task.queue], tasks: [task.name], workerId: DEMO_HISTORY_WORKER, limit: 1, now: startedAt, leaseExpiresAt: new Date(startedAt.getTime() + 30_000) });
    if (claimed?.id !== id) throw new Error(`demo seed: claimed ${claimed?.id} instead of job ${id}`);
    const endedAt = new Date(startedAt.getTime() + durationMs);
    const last = attempt === attempts;
    const common = { id, attempt, workerId: DEMO_HISTORY_WORKER, at: endedAt };
    if (last && outcome.kind !== 'dead') {
      await store.jobs.setStateIfRunningMany({ updates: [{ ...common, kind: 'succeeded', result: outcome.result }] });
    } else if (outcome.kind === 'succeeded') {
      throw new Error('demo seed: a succeeding job has one attempt');
    } else {
      const error: JobAttemptError = { attempt, message: outcome.failure.message, stack: outcome.failure.stack, at: endedAt };
      const retryAt = new Date(endedAt.getTime() + 2_000 * attempt);
      await store.jobs.setStateIfRunningMany({ updates: [last ? { ...common, kind: 'dead', error } : { ...common, kind: 'failed', error, retryAt }] });
      if (!last) await store.jobs.promoteDue({ now: retryAt, limit: 10 });
      now = retryAt;
    }
  }
  return id;
}

export interface DemoJobs {
  /** A dead `report.export` job with three failed attempts: the job detail screenshot. */
  deadReportId: string;
}

/** Fill the store; call before any worker starts. */
export async function seedDemo(conveyor: Conveyor, now: Date = new Date()): Promise<DemoJobs> {
  const store = conveyor.store;
  const start = now.getTime() - 60 * MINUTE;
  let deadReportId = '';
  // An hour of history, busier towards now, with an incident 25–15 minutes ago.
  for (let minute = 0; minute < 60; minute += 1) {
    const at = (second: number) => new Date(start + minute * MINUTE + second * 1000);
    const load = 2 + Math.round(minute / 12);
    const incident = minute >= 35 && minute < 45;
    for (let n = 0; n < load; n += 1) {
      const name = NAMES[(minute + n) % NAMES.length] ?? 'ada';
      await runPast(store, taskNamed('thumbnail.resize'), { uploadId: `up_${minute}${n}`, width: 256, height: 256 }, at(n * 7), 380, { kind: 'succeeded', result: { bytes: 18_000 + n * 311 } });
      if (n % 2 === 0) await runPast(store, taskNamed('email.welcome'), { to: `${name}@example.com`, name }, at(n * 5 + 3), 120, { kind: 'succeeded', result: { messageId: `msg_${minute}_${n}` } });
    }
    const webhook = taskNamed('webhook.deliver');
    const host = `10.0.3.${7 + (minute % 3)}`;
    await runPast(store, webhook, { endpoint: `https://hooks.partner${minute % 4}.example/events`, event: 'order.paid' }, at(40), 90, incident ? { kind: 'dead', failure: webhookRefused(host) } : { kind: 'succeeded', result: { status: 204 } });
    if (minute % 4 === 0) {
      const customer = CUSTOMERS[minute % CUSTOMERS.length] ?? 'ACME Corp';
      const outcome: Outcome = minute % 8 === 0 ? { kind: 'dead', failure: missingBillingAddress(customer) } : { kind: 'succeeded', result: { pdf: `invoices/2026-${minute}.pdf` } };
      await runPast(store, taskNamed('invoice.render'), { customer, invoiceNo: `INV-2026-${1000 + minute}`, amountCents: 129_00 + minute }, at(20), 600, outcome);
    }
    if (minute % 10 === 5) {
      const id = await runPast(store, taskNamed('report.export'), { from: '2026-01-01', to: '2026-03-31', groupBy: 'week', format: 'csv' }, at(10), 30_000, minute === 45 ? { kind: 'dead', failure: warehouseTimeout(30_000) } : { kind: 'failed-then-succeeded', failure: warehouseTimeout(30_000), result: { file: `exports/report_q1_${minute}.csv`, rows: 13 } });
      if (minute === 45) deadReportId = id;
    }
  }
  await seedCurrentState(conveyor, now);
  return { deadReportId };
}

/** What is going on now: orphans, a paused queue, a stalled worker holding jobs, retries due, scheduled mail. */
async function seedCurrentState(conveyor: Conveyor, now: Date): Promise<void> {
  const store = conveyor.store;
  const exportsTask = taskNamed('export.build');
  const orphans = Array.from({ length: 412 }, (_, index) => insert(exportsTask, { datasetId: `ds_${index}`, format: 'parquet' }, new Date(now.getTime() - 40 * MINUTE)));
  await store.jobs.insertMany({ jobs: orphans, now: new Date(now.getTime() - 40 * MINUTE) });
  const thumbnails = Array.from({ length: 37 }, (_, index) => insert(taskNamed('thumbnail.resize'), { uploadId: `up_new_${index}`, width: 512, height: 512 }, now));
  await store.jobs.insertMany({ jobs: thumbnails, now });
  await conveyor.pauseQueue('media');
  const scheduled = Array.from({ length: 6 }, (_, index) => insert(taskNamed('email.welcome'), { to: `${NAMES[index] ?? 'ada'}@example.com`, name: NAMES[index] ?? 'ada', campaign: 'day-3-tips' }, new Date(now.getTime() + (index + 1) * 20 * MINUTE)));
  await store.jobs.insertMany({ jobs: scheduled, now });
  // A worker on another host stopped heartbeating 95 s ago while running two webhook deliveries.
  const stalledAt = new Date(now.getTime() - 95_000);
  const stalled = { id: 'b7c1e2d4-9f3a-4e1b-8c55-2a9d6e0f1c37', host: 'jobs-2.internal', pid: 48211, queues: ['webhooks', 'billing'], tasks: ['webhook.deliver', 'invoice.render'], concurrency: 8, startedAt: new Date(now.getTime() - 3 * 3600_000), lastHeartbeatAt: stalledAt, handlersIgnoringAbort: [], dependencies: [], taskShapes: [] };
  await store.workers.register({ worker: stalled });
  const webhook = taskNamed('webhook.deliver');
  await store.jobs.insertMany({ jobs: [0, 1].map((index) => insert(webhook, { endpoint: `https://hooks.partner${index}.example/events`, event: 'refund.created' }, stalledAt)), now: stalledAt });
  await store.jobs.claim({ queues: ['webhooks'], tasks: [webhook.name], workerId: stalled.id, limit: 2, now: stalledAt, leaseExpiresAt: new Date(now.getTime() + 25_000) });
}
