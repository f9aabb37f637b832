/**
 * Jobs a worker claimed ahead of its free slots (`prefetch`): held in claim order until a slot frees.
 * In the store they are `running` under this worker's lease, renewed by its heartbeats like any other.
 */
import type { Job } from '../job.js';
import type { JobLease } from '../store/store.js';

export interface PrefetchedJob {
  job: Job;
  /** When the claim that took it committed (see `RunningJob.claimedAt`). */
  claimedAt: number;
}

export class PrefetchedJobs {
  private readonly jobs: PrefetchedJob[] = [];

  get size(): number {
    return this.jobs.length;
  }

  push(job: Job, claimedAt: number): void {
    this.jobs.push({ job, claimedAt });
  }

  /** The oldest held job, removed; undefined when none is held. */
  shift(): PrefetchedJob | undefined {
    return this.jobs.shift();
  }

  /** Remove and return every held job. */
  takeAll(): PrefetchedJob[] {
    return this.jobs.splice(0);
  }

  /** Remove and return the held job with this id, if any. */
  take(jobId: string): PrefetchedJob | undefined {
    const index = this.jobs.findIndex((held) => held.job.id === jobId);
    return index === -1 ? undefined : this.jobs.splice(index, 1)[0];
  }

  /**
   * Sort held jobs by what a heartbeat that started at `beatStartedAt` returned: those whose lease it
   * did not return (claimed before the beat began, so it would have) are lost and removed; those with
   * a cancel request are removed and returned as `cancelled`.
   */
  reconcile(leases: ReadonlyMap<string, JobLease>, beatStartedAt: number): { lost: PrefetchedJob[]; cancelled: PrefetchedJob[] } {
    const lost: PrefetchedJob[] = [];
    const cancelled: PrefetchedJob[] = [];
    for (const held of [...this.jobs]) {
      const lease = leases.get(held.job.id);
      if (lease === undefined || lease.attempt !== held.job.attempt) {
        if (held.claimedAt < beatStartedAt) lost.push(held);
      } else if (lease.cancelRequested) {
        cancelled.push(held);
      }
    }
    for (const held of [...lost, ...cancelled]) this.jobs.splice(this.jobs.indexOf(held), 1);
    return { lost, cancelled };
  }
}
