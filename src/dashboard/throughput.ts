/**
 * Throughput over the last hour, per queue, in twelve five-minute buckets. The store counts jobs
 * finished since a time (`jobCountFinishedSince`, served by the (state, finished_at) index); asking
 * once per bucket boundary and subtracting neighbours gives each bucket, without reading any job.
 */
import type { Conveyor } from '../conveyor.js';
import type { JobFinishedCount } from '../store/store.js';

export const THROUGHPUT_BUCKETS = 12;
export const THROUGHPUT_BUCKET_MS = 5 * 60_000;

/** Jobs of one queue that finished in one bucket, by final state. */
export interface ThroughputBucket {
  /** Start of the bucket (inclusive). */
  from: Date;
  /** End of the bucket (exclusive); the last bucket ends now. */
  to: Date;
  succeeded: number;
  dead: number;
  cancelled: number;
}

/** Per queue name, the buckets oldest first. */
export type Throughput = Map<string, ThroughputBucket[]>;

export async function loadThroughput(conveyor: Conveyor, now: Date = new Date()): Promise<Throughput> {
  const boundaries = Array.from({ length: THROUGHPUT_BUCKETS }, (_, index) => new Date(now.getTime() - (index + 1) * THROUGHPUT_BUCKET_MS));
  const cumulative = await Promise.all(boundaries.map((since) => conveyor.store.jobCountFinishedSince({ since })));
  return bucketsFromCumulative(boundaries, cumulative, now);
}

/**
 * `cumulative[i]` counts jobs finished since `boundaries[i]`, each boundary a bucket further back;
 * bucket i (counting back from now) is `cumulative[i]` minus `cumulative[i - 1]`.
 */
export function bucketsFromCumulative(boundaries: Date[], cumulative: JobFinishedCount[][], now: Date): Throughput {
  const totals = cumulative.map(toTotals);
  const queues = new Set(totals.flatMap((byQueue) => [...byQueue.keys()]));
  const throughput: Throughput = new Map();
  for (const queue of [...queues].sort()) {
    const buckets: ThroughputBucket[] = boundaries.map((from, index) => {
      const upTo = totals[index]?.get(queue) ?? ZERO;
      const newer = index === 0 ? ZERO : (totals[index - 1]?.get(queue) ?? ZERO);
      const to = index === 0 ? now : (boundaries[index - 1] ?? now);
      return {
        from,
        to,
        // Never negative: a job retried between two queries leaves the newer count.
        succeeded: Math.max(0, upTo.succeeded - newer.succeeded),
        dead: Math.max(0, upTo.dead - newer.dead),
        cancelled: Math.max(0, upTo.cancelled - newer.cancelled),
      };
    });
    throughput.set(queue, buckets.reverse());
  }
  return throughput;
}

/** The buckets of a queue that finished nothing in the last hour. */
export function emptyBuckets(now: Date): ThroughputBucket[] {
  return Array.from({ length: THROUGHPUT_BUCKETS }, (_, index) => {
    const back = THROUGHPUT_BUCKETS - index;
    return { from: new Date(now.getTime() - back * THROUGHPUT_BUCKET_MS), to: new Date(now.getTime() - (back - 1) * THROUGHPUT_BUCKET_MS), succeeded: 0, dead: 0, cancelled: 0 };
  });
}

/** Every job a bucket counts. */
export function bucketTotal(bucket: ThroughputBucket): number {
  return bucket.succeeded + bucket.dead + bucket.cancelled;
}

interface Totals {
  succeeded: number;
  dead: number;
  cancelled: number;
}

const ZERO: Totals = { succeeded: 0, dead: 0, cancelled: 0 };

function toTotals(counts: JobFinishedCount[]): Map<string, Totals> {
  const byQueue = new Map<string, Totals>();
  for (const group of counts) {
    const totals = byQueue.get(group.queue) ?? { ...ZERO };
    totals[group.state] += group.count;
    byQueue.set(group.queue, totals);
  }
  return byQueue;
}
