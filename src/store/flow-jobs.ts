/**
 * What every store decides alike before inserting a flow (`store.flows.insert`): that the jobs form a
 * tree rooted at `jobs[0]` without dedup keys, and, for each job, whether it has children, the state
 * it starts in and the `onChildFailure` it is stored with. The stores only write what this returns.
 */
import { ConveyorError } from '../errors.js';
import type { ChildFailurePolicy, JobState } from '../job.js';
import type { FlowJobInsert } from './store.js';

/** How one job of a flow is stored. */
export interface FlowJobPlan {
  job: FlowJobInsert;
  /** Whether a later job of the flow names this one as its parent. */
  hasChildren: boolean;
  /** 'waiting' for a job with children (whatever its `runAt`), else 'scheduled' while `runAt` is ahead, else 'queued'. */
  state: Extract<JobState, 'waiting' | 'scheduled' | 'queued'>;
  /** As given for a job with children; 'fail' for one without, as for every job outside a flow (`Job.onChildFailure`). */
  onChildFailure: ChildFailurePolicy;
}

/** Checks the flow (throws a `ConveyorError` naming the first bad job) and plans each job, one plan per job in input order. */
export function planFlowJobs(jobs: readonly FlowJobInsert[], now: Date): FlowJobPlan[] {
  checkFlowJobs(jobs);
  const parentIndexes = new Set(jobs.map((job) => job.parentIndex));
  return jobs.map((job, index) => {
    const hasChildren = parentIndexes.has(index);
    return {
      job,
      hasChildren,
      state: hasChildren ? 'waiting' : job.runAt.getTime() > now.getTime() ? 'scheduled' : 'queued',
      onChildFailure: hasChildren ? job.onChildFailure : 'fail',
    };
  });
}

/** The store's own check of what the client validated: no dedup keys, and a tree rooted at `jobs[0]`. */
function checkFlowJobs(jobs: readonly FlowJobInsert[]): void {
  for (const [index, job] of jobs.entries()) {
    const where = `Flow job ${index} (task "${job.task}")`;
    if (job.dedupKey !== null) {
      throw new ConveyorError(`${where} has dedup key ${JSON.stringify(job.dedupKey)}: flow jobs are never deduplicated, so pass dedupKey null.`);
    }
    const { parentIndex } = job;
    if (index === 0 && parentIndex !== null) {
      throw new ConveyorError(`${where} has parentIndex ${String(parentIndex)}: jobs[0] is the flow's root and has no parent, so pass null.`);
    }
    if (index > 0 && (parentIndex === null || !Number.isInteger(parentIndex) || parentIndex < 0 || parentIndex >= index)) {
      throw new ConveyorError(
        `${where} has parentIndex ${String(parentIndex)}: it must be the index of an earlier job of the flow (the job that waits for this one), a whole number from 0 to ${index - 1}.`,
      );
    }
  }
}
