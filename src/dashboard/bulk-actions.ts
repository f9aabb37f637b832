/**
 * Bulk actions on the jobs page's filter: retry, cancel or delete every job that matches it. Each is
 * counted exactly before the user confirms (`jobs.countByGroup`, the counts the store keeps for the
 * overview, so it works on the state, task and queue filters; time and text filters cannot be counted
 * without reading every job, and a bulk action refuses them), then done in bounded batches:
 *
 * - a batch lists the next `BULK_BATCH_SIZE` jobs that match the filter *and* are in a state the
 *   action applies to, newest first, below the cursor of the batch before (so each job is visited
 *   once, and jobs enqueued since the count are left alone), and acts on each;
 * - the action itself only changes a job still in such a state (a job that moved on meanwhile is
 *   skipped, not forced), so a run cut short can be started again from the top: what it did is done,
 *   and those jobs no longer match;
 * - the run ends when a batch has no next cursor.
 */
import { CANCEL_AT_ONCE_STATES, FINAL_STATES, JOB_STATES, RETRYABLE_STATES, UNFINISHED_STATES, type JobState } from '../job.js';
import { ConveyorNotFoundError, ConveyorStateError } from '../errors.js';
import type { Conveyor } from '../conveyor.js';
import type { JobListFilter } from '../store/store.js';
import { plural } from './format.js';

export const BULK_ACTIONS = ['retry', 'cancel', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** Jobs one batch request acts on: a bounded amount of work per request, whatever the table's size. */
export const BULK_BATCH_SIZE = 500;

export interface BulkActionInfo {
  /** States whose jobs the action changes. */
  states: readonly JobState[];
  /** "Retry", for buttons and titles. */
  verb: string;
  /** "retried", for counts. */
  done: string;
  /** What happens to each job, for the confirm page. */
  effect: string;
  /** Why jobs in the other states are left alone. */
  leftAlone: string;
}

export const BULK_ACTION_INFO: Readonly<Record<BulkAction, BulkActionInfo>> = {
  retry: {
    states: RETRYABLE_STATES,
    verb: 'Retry',
    done: 'retried',
    effect: 'Each is queued again now, with at least one more attempt; its errors stay in its history. A job whose dedup key another unfinished job holds is skipped.',
    leftAlone: 'Jobs waiting, scheduled, queued or running have not ended, so there is nothing to retry.',
  },
  cancel: {
    states: UNFINISHED_STATES,
    verb: 'Cancel',
    done: 'cancelled',
    effect: `Jobs ${CANCEL_AT_ONCE_STATES.join(', ')} are cancelled at once; running jobs are asked to stop (their handler's signal fires) and end cancelled when it returns.`,
    leftAlone: 'Succeeded, dead and cancelled jobs have ended already.',
  },
  delete: {
    states: FINAL_STATES,
    verb: 'Delete',
    done: 'deleted',
    effect: 'Each finished job is deleted for good, with its artifacts and steps (removed by the next maintenance sweep). A job whose flow parent has not finished is kept: the parent reads its result.',
    leftAlone: 'Unfinished jobs (waiting, scheduled, queued, running, failed and retrying) are never deleted: cancel them first.',
  },
};

export function isBulkAction(value: string): value is BulkAction {
  return (BULK_ACTIONS as readonly string[]).includes(value);
}

/** The filter's states the action applies to (all it applies to when the filter names none). */
export function actionStates(action: BulkAction, filter: JobListFilter): JobState[] {
  const applies = BULK_ACTION_INFO[action].states;
  return filter.states === undefined ? [...applies] : filter.states.filter((state) => applies.includes(state));
}

/** What a bulk action would touch now: the matching jobs by state, those it applies to and those it leaves. */
export interface BulkCount {
  /** Matching jobs in a state the action applies to, by state. */
  applies: Array<{ state: JobState; count: number }>;
  total: number;
  /** Matching jobs the action leaves alone, by state (only states counted cheaply: `succeeded` only when the filter names it). */
  leftAlone: Array<{ state: JobState; count: number }>;
}

export async function countBulk(conveyor: Conveyor, action: BulkAction, filter: JobListFilter): Promise<BulkCount> {
  const applying = actionStates(action, filter);
  // Succeeded jobs are the bulk of a table: counted only when the action applies to them or the filter asks.
  const counted = filter.states ?? JOB_STATES.filter((state) => state !== 'succeeded' || applying.includes(state));
  const groups = await conveyor.insights.jobCountsIn(counted);
  const byState = new Map<JobState, number>();
  for (const group of groups) {
    if ((filter.task === undefined || group.task === filter.task) && (filter.queue === undefined || group.queue === filter.queue)) {
      byState.set(group.state, (byState.get(group.state) ?? 0) + group.count);
    }
  }
  const list = (states: readonly JobState[]) => states.map((state) => ({ state, count: byState.get(state) ?? 0 })).filter((entry) => entry.count > 0);
  const applies = list(applying);
  return { applies, total: applies.reduce((sum, entry) => sum + entry.count, 0), leftAlone: list(counted.filter((state) => !applying.includes(state))) };
}

/** Running totals of a bulk run, carried from batch to batch by the page. */
export interface BulkProgress {
  /** Jobs visited: acted on or skipped. */
  done: number;
  /** Jobs the action changed (or, for running jobs being cancelled, asked to stop). */
  changed: number;
  skipped: number;
}

export interface BulkBatchResult extends BulkProgress {
  /** Where the next batch starts; null when the run is finished. */
  cursor: string | null;
  /** The first reason a job was skipped in this batch, to show. */
  skipReason: string | null;
}

/** One batch of a bulk run (see the module comment). */
export async function runBulkBatch(conveyor: Conveyor, action: BulkAction, filter: JobListFilter, cursor: string | null, before: BulkProgress): Promise<BulkBatchResult> {
  const states = actionStates(action, filter);
  if (states.length === 0) return { ...before, cursor: null, skipReason: null };
  const page = await conveyor.listJobSummaries({ ...filter, states }, { cursor, limit: BULK_BATCH_SIZE, previewChars: 1, messageChars: 1 });
  const ids = page.jobs.map((job) => job.id);
  let changed = 0;
  let skipReason: string | null = null;
  if (action === 'delete') {
    changed = (await conveyor.deleteFinishedJobs(ids)).length;
    if (changed < ids.length) skipReason = 'a job its flow parent still waits on is kept';
  } else {
    for (const id of ids) {
      try {
        if (action === 'retry') {
          await conveyor.retry(id);
          changed += 1;
        } else {
          // A job that finished since it was listed comes back unchanged: skipped, not counted as cancelled.
          const job = await conveyor.cancel(id);
          if (job.state === 'cancelled' || job.state === 'running') changed += 1;
          else skipReason ??= `#${id} had already ended ${job.state}`;
        }
      } catch (error) {
        // A job that moved on (or was pruned) since it was listed is skipped: the action never forces a state.
        if (!(error instanceof ConveyorStateError || error instanceof ConveyorNotFoundError)) throw error;
        skipReason ??= `#${id}: ${error.message}`;
      }
    }
  }
  return {
    done: before.done + ids.length,
    changed: before.changed + changed,
    skipped: before.skipped + ids.length - changed,
    cursor: page.nextCursor,
    skipReason,
  };
}

/** The closing line of a run: "Retried 4,213 jobs." with what was skipped. */
export function bulkSummary(action: BulkAction, progress: BulkProgress): string {
  const { done } = BULK_ACTION_INFO[action];
  const changed = `${capitalise(done)} ${plural(progress.changed, 'job')}`;
  return progress.skipped === 0 ? `${changed}.` : `${changed}; ${plural(progress.skipped, 'job')} skipped (they had moved on, or could not be ${done}).`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
