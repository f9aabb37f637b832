/**
 * A job list's filter made sendable to PostgreSQL, with the same answer SQLite gives: its text
 * cannot hold NUL (\u0000) and the driver cannot send a year outside 1–9999, where SQLite compares
 * either without complaint.
 */
import { isStorableTime } from '../store/encoding.js';
import type { JobListFilter } from '../store/store.js';

/**
 * The filter to send, or null when no job can match it: no stored text holds NUL, and no job was
 * created outside years 1–9999. A bound outside those years that every job meets is dropped.
 */
export function sendableListFilter(filter: JobListFilter): JobListFilter | null {
  if ([filter.task, filter.queue, filter.text].some((text) => text?.includes('\u0000') === true)) return null;
  const { createdAfter, createdBefore, ...rest } = filter;
  const sendable: JobListFilter = { ...rest };
  if (createdAfter !== undefined && !isStorableTime(createdAfter.getTime())) {
    if (createdAfter.getTime() > 0) return null;
  } else if (createdAfter !== undefined) {
    sendable.createdAfter = createdAfter;
  }
  if (createdBefore !== undefined && !isStorableTime(createdBefore.getTime())) {
    if (createdBefore.getTime() < 0) return null;
  } else if (createdBefore !== undefined) {
    sendable.createdBefore = createdBefore;
  }
  return sendable;
}
