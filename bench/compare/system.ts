/**
 * The one interface every queue in the comparison is driven through. An adapter wraps one system's
 * documented public API; the workloads never reach past it, so they treat Conveyor and its rivals
 * alike.
 */

/** The payload of every bench job. Latency jobs carry the wall-clock time taken just before enqueue. */
export interface JobPayload {
  n: number;
  enqueuedAt?: number;
}

/** Called by a system's handler with the job's payload, as the handler starts. */
export type OnJob = (payload: JobPayload) => void;

/** Which Conveyor a system's figures are read against: Redis and PostgreSQL rivals both face Conveyor-PostgreSQL. */
export type StoreFamily = 'sqlite' | 'postgres' | 'redis';

/** Where the servers are; each process (the bench, its worker children) builds its own connections from it. */
export interface Environment {
  postgresUrl: string;
  redisUrl: string;
}

export interface RunningWorkers {
  /** Stop taking jobs and close what the workers opened. */
  stop(): Promise<void>;
}

/** One fresh instance of a system: its own schema, key prefix or file, empty at creation. */
export interface QueueSystem {
  /** Where worker processes find this same state (a schema, key prefix or file), passed to `attach`. */
  readonly location: string;
  /** `count` jobs, in calls of 1000 through the system's bulk API. */
  enqueueBulk(count: number): Promise<void>;
  /** One job through the system's single-job API; resolves once the system says it is stored. */
  enqueueOne(payload: JobPayload): Promise<void>;
  /** Workers in this process at `concurrency`, calling `onJob` from the job handler. */
  startWorkers(concurrency: number, onJob: OnJob): Promise<RunningWorkers>;
  /** Jobs not yet finished, as the system's store counts them. */
  pendingCount(): Promise<number>;
  /** Refresh planner statistics after a large seed, as autovacuum would (PostgreSQL systems). */
  analyze(): Promise<void>;
  /** Close connections; the instance that created the state also deletes it. */
  close(): Promise<void>;
}

export interface SystemDefinition {
  /** As printed in tables and given to `--systems` (lower-cased). */
  name: string;
  family: StoreFamily;
  /** Takes part in the 2- and 4-process drains (the store is shared between machines). */
  multiProcess: boolean;
  /** Throws a one-line reason when the system cannot run here (server down, package missing). */
  check(environment: Environment): Promise<void>;
  /** A new instance on fresh, empty state. */
  create(environment: Environment): Promise<QueueSystem>;
  /** An instance on the state another process created (`QueueSystem.location`); it never deletes it. */
  attach(environment: Environment, location: string): Promise<QueueSystem>;
}

/** The queue (or task) name every adapter uses. */
export const BENCH_QUEUE = 'bench';
/** Jobs per bulk call, the same for every system. */
export const BULK_CHUNK = 1000;

/** Payloads `{ n }` for n = 0 … count − 1, in slices of `BULK_CHUNK`. */
export function* chunks(count: number): Generator<JobPayload[]> {
  for (let from = 0; from < count; from += BULK_CHUNK) {
    const slice: JobPayload[] = [];
    for (let n = from; n < Math.min(count, from + BULK_CHUNK); n++) slice.push({ n });
    yield slice;
  }
}
