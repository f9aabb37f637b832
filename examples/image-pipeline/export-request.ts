/**
 * An export request (`{ start, end, group_by }`) and the calendar arithmetic of its CSV: the months it
 * spans (one durable step each), the periods its rows are grouped by, and the rows themselves. The
 * same schema checks the app's `POST /exports` and the task's input, so a request refused by one is
 * refused by the other, naming the same field.
 */
import { z } from 'zod';
import type { ImageRecord } from './records.js';

/** The longest range one export may cover, both ends included. */
export const MAX_RANGE_DAYS = 365;
export const GROUPINGS = ['day', 'week', 'month'] as const;
export type Grouping = (typeof GROUPINGS)[number];

const DAY_MS = 86_400_000;

export const exportRequestSchema = z
  .object({
    start: z.iso.date({ error: 'must be a date as YYYY-MM-DD' }),
    end: z.iso.date({ error: 'must be a date as YYYY-MM-DD' }),
    group_by: z.enum(GROUPINGS, { error: `must be one of ${GROUPINGS.join(', ')}` }),
  })
  .strict()
  .refine((range) => range.end >= range.start, { path: ['end'], error: 'must not be before start' })
  .refine((range) => rangeDays(range.start, range.end) <= MAX_RANGE_DAYS, {
    path: ['end'],
    error: (issue) => {
      const range = issue.input as { start: string; end: string };
      return `the range covers ${rangeDays(range.start, range.end)} days; at most ${MAX_RANGE_DAYS} are allowed (both ends included)`;
    },
  });

export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** A refused request: the first field at fault and what is wrong with it. */
export interface FieldError {
  field: string;
  message: string;
}

/** Check a request body; the first problem names its field (`end`, `group_by`, or `body` for the whole). */
export function parseExportRequest(body: unknown): { ok: true; request: ExportRequest } | { ok: false; error: FieldError } {
  const result = exportRequestSchema.safeParse(body);
  if (result.success) return { ok: true, request: result.data };
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') return { ok: false, error: { field: issue.keys[0] ?? 'body', message: `is not a field of an export request; send start, end and group_by` } };
  const field = issue.path.length === 0 ? 'body' : issue.path.map(String).join('.');
  return { ok: false, error: { field, message: issue.message } };
}

/** Days from start to end, both included. */
export function rangeDays(start: string, end: string): number {
  return Math.round((Date.parse(end) - Date.parse(start)) / DAY_MS) + 1;
}

export interface MonthSlice {
  /** `2026-03`: names the month's durable step (`month-2026-03`). */
  key: string;
  /** The part of the month inside the range. */
  from: string;
  to: string;
}

/** The calendar months the range touches, each cut to the range. */
export function monthsOf(start: string, end: string): MonthSlice[] {
  const months: MonthSlice[] = [];
  let cursor = new Date(`${start.slice(0, 7)}-01T00:00:00Z`);
  while (isoDate(cursor) <= end) {
    const next = new Date(Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth() + 1, 1));
    const last = isoDate(new Date(next.getTime() - DAY_MS));
    const first = isoDate(cursor);
    months.push({ key: first.slice(0, 7), from: first < start ? start : first, to: last > end ? end : last });
    cursor = next;
  }
  return months;
}

/**
 * The period a day belongs to, named by its first day inside the range: the day itself, the Monday of
 * its week, or the first of its month (a period cut by the range starts at `start`). A week that
 * spans two months gets the same name from both, so their months' rows add up.
 */
export function periodOf(day: string, groupBy: Grouping, start: string): string {
  let first: string;
  if (groupBy === 'day') first = day;
  else if (groupBy === 'month') first = `${day.slice(0, 7)}-01`;
  else {
    const date = new Date(`${day}T00:00:00Z`);
    first = isoDate(new Date(date.getTime() - ((date.getUTCDay() + 6) % 7) * DAY_MS));
  }
  return first < start ? start : first;
}

/** Every period of the range, in order: the CSV has a row for each, with zeros where nothing was taken. */
export function periodsOf(start: string, end: string, groupBy: Grouping): string[] {
  const periods = new Set<string>();
  for (let time = Date.parse(start); time <= Date.parse(end); time += DAY_MS) periods.add(periodOf(isoDate(new Date(time)), groupBy, start));
  return [...periods];
}

export interface PeriodTotals {
  images: number;
  bytesIn: number;
  bytesOut: number;
}

/** One month's rows: the totals of the images taken in that month's part of the range, per period. */
export function monthTotals(records: ImageRecord[], month: MonthSlice, request: ExportRequest): Record<string, PeriodTotals> {
  const totals: Record<string, PeriodTotals> = {};
  for (const record of records) {
    if (record.takenOn < month.from || record.takenOn > month.to) continue;
    const period = periodOf(record.takenOn, request.group_by, request.start);
    const row = (totals[period] ??= { images: 0, bytesIn: 0, bytesOut: 0 });
    row.images += 1;
    row.bytesIn += record.bytesIn;
    row.bytesOut += record.bytesOut;
  }
  return totals;
}

/** The CSV of the export: a header, then a row per period (months' rows for the same period added). */
export function exportCsv(request: ExportRequest, months: Array<Record<string, PeriodTotals>>): { csv: string; rows: number; images: number } {
  const merged = new Map<string, PeriodTotals>();
  for (const month of months) {
    for (const [period, totals] of Object.entries(month)) {
      const row = merged.get(period) ?? { images: 0, bytesIn: 0, bytesOut: 0 };
      merged.set(period, { images: row.images + totals.images, bytesIn: row.bytesIn + totals.bytesIn, bytesOut: row.bytesOut + totals.bytesOut });
    }
  }
  const periods = periodsOf(request.start, request.end, request.group_by);
  const lines = ['period_start,images,bytes_in,bytes_out'];
  let images = 0;
  for (const period of periods) {
    const row = merged.get(period) ?? { images: 0, bytesIn: 0, bytesOut: 0 };
    images += row.images;
    lines.push(`${period},${row.images},${row.bytesIn},${row.bytesOut}`);
  }
  return { csv: `${lines.join('\n')}\n`, rows: periods.length, images };
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
