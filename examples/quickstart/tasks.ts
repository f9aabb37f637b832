/**
 * The quick start's tasks. Producers (start.ts) and workers share these definitions, so they cannot
 * disagree about a task's name, queue or input. `npm start` (`conveyor dev`) serves them over HTTP
 * with a worker; run them in a worker of their own with `npx conveyor worker examples/quickstart/tasks.ts`.
 */
import { defineEvent, defineTask, discard, type ResourceDefinitions } from 'conveyor';
import { z } from 'zod';

/** A stand-in for an SMTP or HTTP mail client: a resource the worker opens on start and closes on stop. */
export class Mailer {
  private sent = 0;
  private open = true;

  async send(to: string, subject: string, signal: AbortSignal): Promise<string> {
    if (!this.open) throw new Error('mailer is closed');
    await pause(80, signal);
    this.sent += 1;
    return `<${this.sent}.${Date.now()}@mail.example> to ${to}: ${subject}`;
  }

  async close(): Promise<void> {
    this.open = false;
  }
}

declare module 'conveyor' {
  interface Resources {
    mailer: Mailer;
  }
}

/** Created when a worker starts, handed to handlers as `ctx.resources`, closed when it stops. */
export const resources = {
  mailer: { create: () => new Mailer(), close: (mailer) => mailer.close() },
} satisfies ResourceDefinitions;

/** Makes a thumbnail of an uploaded image, reporting progress as it goes. */
export const resizeThumbnail = defineTask({
  name: 'thumbnail.resize',
  queue: 'media',
  input: z.object({
    imageUrl: z.url(),
    width: z.int().min(16).max(2048),
    height: z.int().min(16).max(2048),
  }),
  timeoutMs: 30_000,
  run: async ({ imageUrl, width, height }, { progress, signal }) => {
    const steps = ['downloading', 'decoding', 'resizing', 'encoding webp', 'uploading'];
    for (const [index, step] of steps.entries()) {
      await progress(index / steps.length, step);
      await pause(60 + Math.random() * 120, signal);
    }
    await progress(1, 'done');
    return { thumbnailUrl: imageUrl.replace(/\.\w+$/, `_${width}x${height}.webp`), bytes: Math.round(width * height * 0.18) };
  },
});

const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

/**
 * Exports a report for a date range. Bad requests (end before start, ranges over a year, unknown
 * grouping) are refused at enqueue with the field named, so they never reach a worker. The first
 * attempt of every export fails on purpose, to show a retry; the second writes the report as a CSV
 * artifact, downloadable from the API, the dashboard, `conveyor artifacts get` or a signed link.
 */
export const exportReport = defineTask({
  name: 'report.export',
  queue: 'reports',
  input: z
    .object({
      from: z.iso.date(),
      to: z.iso.date(),
      groupBy: z.enum(['day', 'week', 'month']),
    })
    .refine((range) => range.to >= range.from, { path: ['to'], message: 'must not be before `from`' })
    .refine((range) => daysBetween(range.from, range.to) <= MAX_RANGE_DAYS, { path: ['to'], message: `range must be at most ${MAX_RANGE_DAYS} days` }),
  retry: { maxAttempts: 3, backoff: { initialMs: 500, jitter: 0 } },
  // A second request for the same report while the first is unfinished returns the first.
  dedup: { key: ({ from, to, groupBy }) => `${from}..${to}/${groupBy}` },
  run: async ({ from, to, groupBy }, { job, progress, signal, artifacts }) => {
    if (job.attempt === 1) throw new Error('warehouse query timed out (simulated: first attempts always fail)');
    const periods = reportPeriods(from, to, groupBy);
    // The CSV streams into the job's artifacts as rows are made: memory stays flat whatever its size.
    async function* csv(): AsyncGenerator<string> {
      yield 'period_start,orders,revenue_eur\n';
      for (const [index, start] of periods.entries()) {
        if (index % 10 === 0) {
          await progress(index / periods.length, `${index}/${periods.length} rows`);
          await pause(20, signal);
        }
        const orders = 40 + ((index * 37) % 23);
        yield `${start},${orders},${(orders * 19.5).toFixed(2)}\n`;
      }
    }
    const report = await artifacts.put('report.csv', csv(), { contentType: 'text/csv; charset=utf-8' });
    await progress(1, `${periods.length} rows written`);
    return { artifact: report.name, rows: periods.length, bytes: report.size };
  },
});

/** The first day of each period of the report (each day, each 7 days, or each month) from `from` to `to`. */
function reportPeriods(from: string, to: string, groupBy: 'day' | 'week' | 'month'): string[] {
  const periods: string[] = [];
  const day = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (day <= end) {
    periods.push(day.toISOString().slice(0, 10));
    if (groupBy === 'day') day.setUTCDate(day.getUTCDate() + 1);
    else if (groupBy === 'week') day.setUTCDate(day.getUTCDate() + 7);
    else day.setUTCMonth(day.getUTCMonth() + 1, 1);
  }
  return periods;
}

/** Someone approved an export: `POST /events/export.approved` or `conveyor.sendEvent(exportApproved, …)`. */
export const exportApproved = defineEvent({
  name: 'export.approved',
  payload: z.object({ exportId: z.string().min(1), by: z.string().min(1) }),
});

/**
 * A yearly export as durable steps: each month is queried once (a retry or a crash resumes at the
 * month it stopped), then the job sleeps until the warehouse is quiet and waits for someone to
 * approve the export, both without holding a worker, and finally writes the CSV as an artifact.
 */
export const approvedExport = defineTask({
  name: 'report.approved-export',
  queue: 'reports',
  input: z.object({ exportId: z.string().min(1), year: z.number().int().min(2000).max(2100) }),
  run: async ({ exportId, year }, ctx) => {
    const months: Array<{ month: string; orders: number }> = [];
    for (let month = 1; month <= 12; month++) {
      const key = `${year}-${String(month).padStart(2, '0')}`;
      months.push(await ctx.step(`query-${key}`, () => ({ month: key, orders: 1000 + ((month * 97) % 251) })));
    }
    // The warehouse is quiet at night; in the demo, two seconds from the first time the job gets here.
    await ctx.sleepUntil('warehouse-quiet', new Date(Date.now() + 2_000));
    const approval = await ctx.waitForEvent<{ by: string }>('approval', { event: exportApproved.name, match: { exportId }, timeoutMs: 86_400_000 });
    if (approval.timedOut) throw discard(`export ${exportId} was not approved within a day`);
    const csv = ['month,orders', ...months.map(({ month, orders }) => `${month},${orders}`)].join('\n');
    const file = await ctx.artifacts.put(`export-${year}.csv`, `${csv}\n`, { contentType: 'text/csv; charset=utf-8' });
    return { artifact: file.name, months: months.length, approvedBy: approval.payload.by };
  },
});

/** Sends a welcome email through the worker's mailer resource. */
export const sendWelcomeEmail = defineTask({
  name: 'email.welcome',
  queue: 'emails',
  input: z.object({ to: z.email(), name: z.string().min(1).max(100) }),
  run: async ({ to, name }, { resources, signal }) => ({ messageId: await resources.mailer.send(to, `Welcome aboard, ${name}!`, signal) }),
});

/** Every task of the quick start, for `Conveyor.open({ tasks })` and `createWorker({ tasks })`. */
export const tasks = [resizeThumbnail, exportReport, approvedExport, sendWelcomeEmail];

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);
}

/** Wait, but give up as soon as the job is aborted (timeout, cancel, shutdown). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
