/**
 * The queue page's limits form: its fields, read into `QueueLimitsOptions`. An empty field means
 * "no limit". Every field is checked before anything is saved, and each problem is reported next to
 * its field, so a form with one bad value changes nothing.
 */
import type { QueueLimitsOptions } from '../client/queue-limits.js';
import type { QueueLimits } from '../store/store.js';

export const LIMIT_FIELDS = ['concurrency', 'perKey', 'rateLimit', 'rateIntervalMs'] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];

/** The form's values as typed (kept to show again next to their errors). */
export type LimitFormValues = Record<LimitField, string>;
export type LimitFormErrors = Partial<Record<LimitField, string>>;

const MAX = 2 ** 31 - 1;

/** The form's values for a queue's current limits. */
export function limitFormValues(limits: QueueLimits): LimitFormValues {
  return {
    concurrency: limits.concurrency === null ? '' : String(limits.concurrency),
    perKey: limits.perKey === null ? '' : String(limits.perKey),
    rateLimit: limits.rate === null ? '' : String(limits.rate.limit),
    rateIntervalMs: limits.rate === null ? '' : String(limits.rate.intervalMs),
  };
}

/** The limits a posted form asks for, or the errors by field (then nothing is to be saved). */
export function parseLimitForm(body: Record<string, unknown>): { values: LimitFormValues; limits: QueueLimitsOptions | null; errors: LimitFormErrors } {
  const values = Object.fromEntries(LIMIT_FIELDS.map((field) => [field, typeof body[field] === 'string' ? (body[field] as string).trim() : ''])) as LimitFormValues;
  const errors: LimitFormErrors = {};
  const count = (field: LimitField, example: string): number | null => {
    const text = values[field];
    if (text === '') return null;
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX) {
      errors[field] = `must be a whole number from 1 to ${MAX.toLocaleString('en-US')}, or empty for no limit; got "${text.slice(0, 20)}" (e.g. ${example})`;
      return null;
    }
    return Number(text);
  };
  const concurrency = count('concurrency', '5');
  const perKey = count('perKey', '2');
  const rateLimit = count('rateLimit', '20');
  const rateIntervalMs = count('rateIntervalMs', '1000');
  if (errors.rateLimit === undefined && errors.rateIntervalMs === undefined && (rateLimit === null) !== (rateIntervalMs === null)) {
    const missing: LimitField = rateLimit === null ? 'rateLimit' : 'rateIntervalMs';
    errors[missing] = 'a rate needs both a number of jobs and an interval in ms (e.g. 20 per 1000 ms); leave both empty for no rate limit';
  }
  if (Object.keys(errors).length > 0) return { values, limits: null, errors };
  const rate = rateLimit !== null && rateIntervalMs !== null ? { limit: rateLimit, intervalMs: rateIntervalMs } : null;
  return { values, limits: { concurrency, perKey, rate }, errors };
}
