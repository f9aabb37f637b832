/**
 * Throughput over the last hour, per queue, in twelve five-minute buckets on the clock (…:00, …:05,
 * …), the newest one still open and ending now. A bucket that has closed no longer changes, so a
 * `ThroughputCounter` counts it once (`jobs.countFinishedByInterval`, one read of the finished-jobs
 * index for all the buckets it lacks) and afterwards counts only the open bucket: an overview
 * refreshed every second reads at most five minutes of finished jobs, however busy the hour was.
 */
import type { JobFinishedInInterval, Store } from '../store/store.js';

export const THROUGHPUT_BUCKETS = 12;
export const THROUGHPUT_BUCKET_MS = 5 * 60_000;

/**
 * A bucket is kept only once it closed this long ago: an outcome is stamped with the worker's clock
 * and commits a moment later, so the first count of a bucket that just closed may miss its last jobs.
 */
export const BUCKET_SETTLE_MS = 10_000;

/** Jobs of one queue that finished in one bucket, by final state. */
export interface ThroughputBucket {
  /** Start of the bucket (inclusive). */
  from: Date;
  /** End of the bucket (exclusive); the newest bucket ends now. */
  to: Date;
  succeeded: number;
  dead: number;
  cancelled: number;
}

/** Per queue name, the buckets oldest first. */
export type Throughput = Map<string, ThroughputBucket[]>;

/** Counts throughput, keeping the buckets that closed; `conveyor.insights.throughput()` holds one per Conveyor. */
export class ThroughputCounter {
  /** Counts of closed buckets, by bucket start (ms); an empty list is a bucket where nothing finished. */
  private readonly closed = new Map<number, JobFinishedInInterval[]>();

  constructor(private readonly store: Pick<Store, 'jobs'>) {}

  async load(now: Date): Promise<Throughput> {
    const starts = bucketStarts(now);
    const openStart = starts.at(-1)!;
    for (const start of this.closed.keys()) if (start < starts[0]!) this.closed.delete(start);
    const missing = starts.slice(0, -1).filter((start) => !this.closed.has(start));
    const from = missing[0] ?? openStart;
    // One read from the oldest bucket not kept up to now (the open bucket included).
    const counts = await this.store.jobs.countFinishedByInterval({ from: new Date(from), to: new Date(now.getTime() + 1), intervalMs: THROUGHPUT_BUCKET_MS });
    const byStart = new Map<number, JobFinishedInInterval[]>();
    for (const count of counts) byStart.set(count.from.getTime(), [...(byStart.get(count.from.getTime()) ?? []), count]);
    for (const start of missing) {
      if (start + THROUGHPUT_BUCKET_MS + BUCKET_SETTLE_MS <= now.getTime()) this.closed.set(start, byStart.get(start) ?? []);
    }
    return toThroughput(starts, now, (start) => this.closed.get(start) ?? byStart.get(start) ?? []);
  }
}

/** The starts of the hour's buckets on the clock, oldest first; the last one holds `now`. */
export function bucketStarts(now: Date): number[] {
  const openStart = Math.floor(now.getTime() / THROUGHPUT_BUCKET_MS) * THROUGHPUT_BUCKET_MS;
  return Array.from({ length: THROUGHPUT_BUCKETS }, (_, index) => openStart - (THROUGHPUT_BUCKETS - 1 - index) * THROUGHPUT_BUCKET_MS);
}

function toThroughput(starts: number[], now: Date, countsAt: (start: number) => JobFinishedInInterval[]): Throughput {
  const queues = new Set(starts.flatMap((start) => countsAt(start).map((count) => count.queue)));
  const throughput: Throughput = new Map();
  for (const queue of [...queues].sort()) {
    throughput.set(
      queue,
      emptyBuckets(now).map((bucket) => {
        for (const count of countsAt(bucket.from.getTime())) if (count.queue === queue) bucket[count.state] += count.count;
        return bucket;
      }),
    );
  }
  return throughput;
}

/** The buckets of a queue that finished nothing in the last hour. */
export function emptyBuckets(now: Date): ThroughputBucket[] {
  return bucketStarts(now).map((start, index, starts) => ({
    from: new Date(start),
    to: index === starts.length - 1 ? now : new Date(start + THROUGHPUT_BUCKET_MS),
    succeeded: 0,
    dead: 0,
    cancelled: 0,
  }));
}

/** Every job a bucket counts. */
export function bucketTotal(bucket: ThroughputBucket): number {
  return bucket.succeeded + bucket.dead + bucket.cancelled;
}
