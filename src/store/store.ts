/**
 * The one interface every store implements (SQLite and PostgreSQL), in parts: `store.jobs`,
 * `store.flows`, `store.events`, `store.workers`, `store.sessions`, `store.queues`,
 * `store.schedules`, `store.migrations`, one per section of the conformance suite.
 *
 * Shape rules, so another store never forces a redesign:
 * - each part is one file per dialect, named alike on both sides (`sqlite/jobs.ts`, `postgres/jobs.ts`);
 * - methods are named by part and verb (`jobs.claim`, `workers.list`) and take one params object;
 * - no method is optional: where stores differ, `capabilities` says so and the
 *   conformance suite (`src/testing/store-conformance.ts`) skips by capability with a reason;
 * - rows are mapped to domain types (`Job`, `WorkerRecord`) inside the store;
 * - every method is one statement or one transaction: logic stays in TypeScript, and a rule both
 *   stores apply (which expired lease is retried, what a failed child's parent records) is a pure
 *   function in `src/store/` that both call, never written once per dialect;
 * - state changes of running jobs go through `JobStateUpdate`s built by the constructors in
 *   `state-updates.ts`, fenced by (id, attempt, workerId) so a worker that lost its lease
 *   can never overwrite the outcome of the worker that took the job over.
 */
import type { ChildFailurePolicy, Job, JobAttemptError, JobProgress, JobState } from '../job.js';
import type { StepStore } from './step-store.js';
import type { FailureCount, FailureTimes, JobCount, JobFinishedCount, JobStateCount } from './count-records.js';
import type { KeptCountState } from './kept-counts.js';
import type { StoreFault } from './store-fault.js';
import type { ArtifactCommitResult, ArtifactRecord, StepKind, StepStatus, DependencyStatus, HandlerIgnoringAbort, MigrationStatus, QueueLimits, QueueState, ScheduleFireResult, ScheduleRecord, ScheduleUpsert, SessionRecord, WorkerRecord } from './store-records.js';

export type * from './store-records.js';
export type * from './count-records.js';
export type { StepStore } from './step-store.js';

/** What a store can or cannot do. The engine and the conformance suite read these. */
export interface StoreCapabilities {
  /** `jobs.insertMany` can join a transaction the caller opened on its own connection. */
  transactionalEnqueue: boolean;
  /** The store wakes idle workers in other processes when jobs arrive (e.g. LISTEN/NOTIFY). */
  crossProcessWakeUp: boolean;
  /**
   * Events become visible in `seq` order, so a reader that sees a gap knows it will never be filled
   * (SQLite: one writer at a time). False on PostgreSQL, where a transaction can commit after one
   * that drew a higher seq: readers hold back at a gap for a moment (see `JobEventCursor`).
   */
  eventsInCommitOrder: boolean;
}

/**
 * A transaction the caller opened on its own connection, for `enqueue(…, { tx })`: the job is stored
 * if and only if that transaction commits. A `pg` `Client` or `PoolClient` inside `BEGIN` is one.
 */
export interface CallerTransaction {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * What a store tells every process listening to it. PostgreSQL sends the facts (LISTEN/NOTIFY). SQLite
 * hears another process's commit (`store-changed`: jobs may be available) and reads the cancels then.
 */
export type StoreNotice =
  | { kind: 'jobs-available'; queues: string[] }
  | { kind: 'cancel-requested'; jobId: string }
  | { kind: 'store-changed' };

/** A job to insert. The store decides `scheduled` or `queued` from `runAt` and `now`. */
export interface JobInsert {
  task: string;
  queue: string;
  input: unknown;
  priority: number;
  runAt: Date;
  maxAttempts: number;
  dedupKey: string | null;
  /** What the queue's per-key concurrency limit counts this job under (e.g. a tenant id); null = no key. */
  concurrencyKey: string | null;
  /** The enqueuing span's context, as `src/tracing/carrier.ts` encodes it; null = not traced. */ traceContext: string | null;
}

/**
 * One job of a flow to insert (`flows.insert`). The flow is a tree: `jobs[0]` is its root, the job that
 * runs last, and every other job names, by index, the job that waits for it, which comes before it.
 */
export interface FlowJobInsert extends JobInsert {
  /** Index in `jobs` of the job that waits for this one: null for `jobs[0]` only, else lower than this job's own index. */
  parentIndex: number | null;
  /** Used when the job has children: what it does when one ends dead or cancelled. */
  onChildFailure: ChildFailurePolicy;
}

export interface JobInsertResult {
  job: Job;
  /** True when an unfinished job with the same (task, dedupKey) existed and is returned instead. */
  duplicate: boolean;
}

/**
 * Which jobs `jobs.list` returns; every field given must match. The time bounds form a half-open
 * range, so consecutive ranges never list a job twice: `createdAfter <= createdAt < createdBefore`.
 */
export interface JobListFilter {
  states?: JobState[];
  task?: string;
  queue?: string;
  /** Only jobs created at or after this time (inclusive). */
  createdAfter?: Date;
  /** Only jobs created before this time (exclusive). */
  createdBefore?: Date;
  /**
   * Only jobs whose input, as JSON text, or one of whose error messages contains this text. ASCII
   * letters match in any case on every store (PostgreSQL folds other letters too); `%` and `_` are
   * literal. No index serves it: the store reads rows newest first, at most `textSearchWindow` ids
   * per call (see `JobListParams`), so a rare word costs one bounded scan per page. It is meant for
   * operators, not for application lookups.
   */
  text?: string;
}

export interface JobListPage {
  /** Newest first. */
  jobs: Job[];
  /**
   * Pass back as `cursor` for the next page; null on the last page. With a text filter a page can
   * hold fewer than `limit` jobs, even none, and still have a next page: the search window ended.
   */
  nextCursor: string | null;
}

/**
 * A job as a list shows it: everything but the three fields that can be megabytes each (input,
 * result, errors with their stacks), which become the start of their text and a count.
 */
export interface JobSummary extends Omit<Job, 'input' | 'result' | 'errors'> {
  /** The input's JSON text, cut to `previewChars` characters with `…` appended when cut. */
  inputPreview: string;
  /** The result's JSON text, cut likewise; null while the job has no result. */
  resultPreview: string | null;
  errorCount: number;
  /** The latest attempt error, its message cut to `messageChars` characters (`…` when cut), without its stack. */
  lastError: { attempt: number; message: string; at: Date } | null;
}

/** Params of `jobs.summaryList`: those of `jobs.list`, and how much of the large fields to keep. */
export interface JobSummaryListParams extends JobListParams {
  previewChars: number;
  messageChars: number;
}

export interface JobSummaryPage {
  jobs: JobSummary[];
  nextCursor: string | null;
}

/** A text search reads at most this many ids per `jobs.list` call, newest first. */
export const DEFAULT_TEXT_SEARCH_WINDOW = 100_000;

/** Params of `jobs.list`. */
export interface JobListParams {
  filter: JobListFilter;
  /** A `nextCursor` from the page before; null for the first page. */
  cursor: string | null;
  limit: number;
  /**
   * With `filter.text`: search only the jobs whose id is within this many of the cursor (or of the
   * newest id); when the page is not full by then, `nextCursor` continues below them. Other filters
   * walk indexes and ignore it. @default DEFAULT_TEXT_SEARCH_WINDOW
   */
  textSearchWindow?: number;
}

/** A running job whose lease a worker holds, as seen at its latest heartbeat. */
export interface JobLease {
  id: string;
  attempt: number;
  cancelRequested: boolean;
}

/**
 * A change of a running job's state, decided by the worker that runs it (or, for a lease that
 * expired, by lease recovery: `leaseRecoveryUpdate`). Built only through the constructors in
 * `state-updates.ts`.
 */
export type JobStateUpdate =
  | { kind: 'succeeded'; id: string; attempt: number; workerId: string; at: Date; result: unknown }
  | { kind: 'failed'; id: string; attempt: number; workerId: string; at: Date; error: JobAttemptError; retryAt: Date }
  | { kind: 'dead'; id: string; attempt: number; workerId: string; at: Date; error: JobAttemptError }
  | { kind: 'cancelled'; id: string; attempt: number; workerId: string; at: Date; error: JobAttemptError | null }
  /** Give the job back unstarted (worker shutting down): queued again, this attempt not counted. */
  | { kind: 'released'; id: string; attempt: number; workerId: string; at: Date }
  /** The handler snoozed: scheduled for `runAt` (queued if `runAt` ≤ `at`), this attempt not counted, no error. */
  | { kind: 'snoozed'; id: string; attempt: number; workerId: string; at: Date; runAt: Date }
  /** The attempt's lease expired with attempts left (lease recovery): queued again now, this attempt counted, with `error`. */
  | { kind: 'requeued'; id: string; attempt: number; workerId: string; at: Date; error: JobAttemptError };

/**
 * One change of a job's state or progress, as the store's event log holds it: written by the store
 * itself (triggers) on every insert and on every update that changes `state` or `progress`, so no
 * statement can forget to. Lease extensions and cancel requests change neither and log nothing.
 */
export interface JobEvent {
  /** Position in the log: increasing and never reused; a decimal string, as it may pass 2^53. */
  seq: string;
  jobId: string;
  task: string;
  queue: string;
  /** The job's state after the change. */
  state: JobState;
  attempt: number;
  progress: JobProgress | null;
  /** The job's `updatedAt` after the change; for an artifact event, when the artifact was recorded. */
  at: Date;
  /** Set on the event logged when an attempt wrote an artifact (the job's state did not change); null otherwise. */
  artifact: JobEventArtifact | null;
  /** Set on the event logged when a durable step changed; null otherwise. */
  step: JobEventStep | null;
}

export interface JobEventStep {
  name: string;
  kind: StepKind;
  status: StepStatus;
}

export interface JobEventArtifact {
  name: string;
  size: number;
  contentType: string;
}

/** The first and last `seq` the event log holds; both null when it is empty. */
export interface JobEventBounds {
  oldestSeq: string | null;
  latestSeq: string | null;
}

/** Jobs of one queue that reached one final state within one interval, counted by `jobs.countFinishedByInterval`. */
export interface JobFinishedInInterval extends JobFinishedCount {
  /** Start of the interval (inclusive); it ends `intervalMs` later. */
  from: Date;
}

/** Params of `jobs.claim`. */
export interface JobClaimParams {
  queues: string[];
  tasks: string[];
  workerId: string;
  limit: number;
  now: Date;
  leaseExpiresAt: Date;
}

/** Params of `jobs.progressSet`: the attempt whose lease must still be held, and its progress. */
export interface JobProgressSetParams {
  id: string;
  attempt: number;
  workerId: string;
  progress: JobProgress;
  now: Date;
}

/** Params of `jobs.pruneFinished`: a cut-off on `finishedAt` per final state, and a batch size. */
export interface JobPruneFinishedParams {
  succeededBefore: Date;
  deadBefore: Date;
  cancelledBefore: Date;
  limit: number;
}

/** Params of `schedules.fire`. */
export interface ScheduleFireParams {
  name: string;
  /** `nextRunAt` as read by `schedules.dueList`: the compare-and-set key. */
  expectedNextRunAt: Date;
  /** The tick fired, recorded as `lastRunAt`. */
  tick: Date;
  /** The following tick. */
  nextRunAt: Date;
  /** The job of this tick; null to move past skipped ticks without enqueuing. */
  job: JobInsert | null;
  now: Date;
}

/**
 * What `storeWritableCheck` found: whether the store would take a write now and, if not, why and
 * what to do (the same words as the `ConveyorStoreFaultError` a write would meet).
 */
export type StoreWritability = { writable: true; detail: string } | { writable: false; fault: StoreFault; problem: string };

/** The migration history (`store.migrations`). */
export interface MigrationStore {
  /** Read the migration history and compare it with the package's; throws `ConveyorMigrationError` on a mismatch. */
  status(): Promise<MigrationStatus>;
  /** Apply every pending migration under a lock, in one transaction; throws `ConveyorMigrationError` on a mismatch. */
  run(params: { now: Date }): Promise<MigrationStatus>;
}

/** Jobs: inserting, reading, claiming, leases and outcomes, operator actions and maintenance (`store.jobs`). */
export interface JobStore {
  /**
   * Insert jobs in one transaction; a (task, dedupKey) already unfinished returns that job instead.
   * With `tx` (only when `capabilities.transactionalEnqueue`), the inserts run inside the caller's
   * transaction and exist only if it commits.
   */
  insertMany(params: { jobs: JobInsert[]; now: Date; tx?: CallerTransaction }): Promise<JobInsertResult[]>;
  get(params: { id: string }): Promise<Job | null>;
  list(params: JobListParams): Promise<JobListPage>;
  /**
   * The same page as `jobs.list` with the same params, as summaries: the large fields are cut in the
   * store, so a page costs the same however large its jobs are.
   */
  summaryList(params: JobSummaryListParams): Promise<JobSummaryPage>;
  /**
   * Atomically move up to `limit` queued jobs of these queues and tasks to `running`, highest priority
   * first, then oldest `runAt`, then lowest id; increments `attempt`, sets the lease, and clears the
   * progress of the previous attempt. Jobs of paused queues (`queues.pause`) are left alone. A queue
   * with limits (`queues.limitsSet`) gets only as many jobs as its limits leave free, counted against
   * every process's running jobs and recent starts; claims of one limited queue are serialised.
   */
  claim(params: JobClaimParams): Promise<Job[]>;
  /** Extend the lease of every job this worker runs; returns them, so the worker sees cancels and lost leases. */
  leaseExtend(params: { workerId: string; leaseExpiresAt: Date }): Promise<JobLease[]>;
  /** Apply updates in one transaction; an update whose job is no longer running under that lease is skipped. */
  setStateIfRunningMany(params: { updates: JobStateUpdate[] }): Promise<Array<{ id: string; applied: boolean }>>;
  /** Record progress of a running attempt; false when the lease is no longer held. */
  progressSet(params: JobProgressSetParams): Promise<boolean>;
  /**
   * Cancel a job: one not yet running becomes `cancelled`; a running one gets `cancelRequestedAt` and its
   * worker aborts it. A finished job is returned unchanged. Null when there is no such job.
   */
  cancel(params: { id: string; now: Date }): Promise<Job | null>;
  /**
   * Queue a failed, dead, cancelled or succeeded job again, now, with at least one attempt left. A job in
   * another state is returned unchanged. Null when there is no such job.
   */
  retry(params: { id: string; now: Date }): Promise<Job | null>;
  /**
   * Queue now a `scheduled` job, or a `failed` one waiting out its retry backoff (`runAt` becomes `now`):
   * an operator's "run now". A job in another state is returned unchanged. Null when there is no such job.
   */
  runNow(params: { id: string; now: Date }): Promise<Job | null>;
  /**
   * Delete those of these jobs that are finished (succeeded, dead, cancelled), but, as `pruneFinished`,
   * not a child whose parent is unfinished (the parent reads its result); returns the ids deleted. An
   * operator's delete: their artifacts and steps go with the next maintenance sweeps.
   */
  deleteFinished(params: { ids: readonly string[] }): Promise<string[]>;
  /** Re-queue (or kill, when out of attempts) running jobs whose lease expired before `now`, counting the attempt. */
  recoverExpiredLeases(params: { now: Date; limit: number }): Promise<number>;
  /** Move `scheduled` and `failed` jobs whose `runAt` has come to `queued`. */
  promoteDue(params: { now: Date; limit: number }): Promise<number>;
  /** Delete at most `limit` finished jobs that finished before the cut-off for their state; a child whose parent is unfinished is kept (the parent reads its result). */
  pruneFinished(params: JobPruneFinishedParams): Promise<number>;
  /** Count jobs in these states by (task, queue, state), reading their rows (an index entry each). */
  countByGroup(params: { states: JobState[] }): Promise<JobCount[]>;
  /**
   * The counts the store keeps for these states (`kept-counts.ts`), by (task, queue, state), in the
   * order of `countByGroup`; groups with no jobs are left out. Always equal to what `countByGroup`
   * would count, and read in one row (or a few) per group.
   */
  countKept(params: { states: KeptCountState[] }): Promise<JobStateCount[]>;
  /**
   * Fold at most `limit` recorded count changes into the kept counts; returns how many were folded.
   * PostgreSQL records each change as a row of its own (so concurrent state changes never wait on one
   * counter row) and `countKept` adds the unfolded ones in; maintenance folds them every run. SQLite,
   * with one writer, changes the counts in place and folds nothing.
   */
  foldKeptCounts(params: { limit: number }): Promise<number>;
  /**
   * Failed and dead jobs by (fingerprint of the latest error, task, queue, state), from the kept
   * counts: one row per group however many jobs. `fingerprint` is null for jobs whose fingerprint is
   * not written yet (they failed before the store kept fingerprints: `fingerprintFailures`).
   */
  countFailures(): Promise<FailureCount[]>;
  /**
   * When the failed and dead jobs of one fingerprint last failed (their `updatedAt`): the earliest,
   * the latest with that job's id (the newest; ties: highest id), and how many at or after `since`.
   * Null when none has it. Read through the fingerprint index, never the other jobs.
   */
  failureTimes(params: { fingerprint: string; since: Date }): Promise<FailureTimes | null>;
  /**
   * Write the fingerprint of at most `limit` failed or dead jobs that have none (`error-fingerprint.ts`,
   * of their latest error); returns how many were written. A job whose errors changed since it was
   * read is left for the next call.
   */
  fingerprintFailures(params: { limit: number }): Promise<number>;
  /** Count jobs whose `finishedAt` is at or after `since` by (queue, final state); groups with no jobs are left out. */
  countFinishedSince(params: { since: Date }): Promise<JobFinishedCount[]>;
  /**
   * Count jobs whose `finishedAt` is in [from, to) by (queue, final state, interval): the intervals
   * are `intervalMs` long, counted from `from`. Groups with no jobs are left out. One range read of
   * the finished-jobs index, so a chart of the last hour reads each job once.
   */
  countFinishedByInterval(params: { from: Date; to: Date; intervalMs: number }): Promise<JobFinishedInInterval[]>;
}

/**
 * Flows (`store.flows`). A flow job with children is `waiting` until every child is finished (succeeded, dead or
 * cancelled), and is then *settled*: when a child ended dead or cancelled and the job's
 * `onChildFailure` is 'fail', it becomes `dead` with one error naming the first such child (lowest
 * id), its task, its state and its last error message, and that settles its own parent in turn;
 * otherwise it becomes `queued` (`scheduled` if its `runAt` is still ahead). Every store call that
 * finishes a child settles its parent before it returns (`jobs.setStateIfRunningMany`, `jobs.cancel`,
 * `jobs.recoverExpiredLeases`, `flows.cancel`), and `jobs.retry` of a job with children makes it
 * `waiting` and settles it the same way. `flows.settleWaiting` sweeps up any parent a crash left
 * waiting with finished children.
 */
export interface FlowStore {
  /**
   * Insert a flow in one transaction: all its jobs or none. Jobs with children start `waiting`, the
   * others `scheduled` or `queued` by `runAt`; every job gets `flowId` = the root's id, and `parentId`
   * from `parentIndex`. Returns the jobs in the order given. Flow jobs have no dedup key (the store
   * throws when one has). `tx` as for `jobs.insertMany`.
   */
  insert(params: { jobs: FlowJobInsert[]; now: Date; tx?: CallerTransaction }): Promise<Job[]>;
  /** Every job of a flow, lowest id first; empty when there is no such flow (or it was pruned). */
  get(params: { id: string }): Promise<Job[]>;
  /** At most `limit` jobs of a flow, lowest id first (its root first): a flow drawn on a page, read by the flow index. */
  jobList(params: { id: string; limit: number }): Promise<Job[]>;
  /**
   * Cancel every unfinished job of a flow in one transaction: jobs not running become `cancelled`,
   * running ones get `cancelRequestedAt` (their workers abort them). Returns the flow's jobs afterwards,
   * lowest id first; empty when there is no such flow.
   */
  cancel(params: { id: string; now: Date }): Promise<Job[]>;
  /** The children of a flow job (the jobs it waits for), lowest id first. */
  childList(params: { id: string }): Promise<Job[]>;
  /** Settle at most `limit` waiting jobs whose children are all finished (see above); returns how many jobs changed, cascades included. */
  settleWaiting(params: { now: Date; limit: number }): Promise<number>;
}

/** The job event log (`store.events`; see `JobEvent`). */
export interface JobEventStore {
  /**
   * Up to `limit` events with a seq above `afterSeq` (from the start
   * when null), lowest seq first. Stores without `capabilities.eventsInCommitOrder` may later show an
   * event with a seq below one already returned: it was drawn by a transaction that committed later.
   */
  list(params: { afterSeq: string | null; limit: number }): Promise<JobEvent[]>;
  bounds(): Promise<JobEventBounds>;
  /**
   * Delete events older than `before`, oldest first, looking at no more than the `limit` oldest
   * events (so a call is bounded however large the log is); returns how many it deleted.
   */
  prune(params: { before: Date; limit: number }): Promise<number>;
}

/** The registry of workers (`store.workers`). */
export interface WorkerStore {
  /** Record a worker (insert or replace). */
  register(params: { worker: WorkerRecord }): Promise<void>;
  /**
   * Record that a worker is alive, which of its handlers ignore their abort now, and what it found of
   * its dependencies; false when its record is gone (pruned as dead).
   */
  heartbeat(params: { id: string; now: Date; handlersIgnoringAbort: HandlerIgnoringAbort[]; dependencies: DependencyStatus[] }): Promise<boolean>;
  deregister(params: { id: string }): Promise<void>;
  list(): Promise<WorkerRecord[]>;
  /** Delete records of workers whose heartbeat stopped before the cut-off. */
  prune(params: { heartbeatBefore: Date }): Promise<number>;
}

/** Dashboard login sessions (`store.sessions`). */
export interface SessionStore {
  /** Record a new session (`revokedAt` null). */
  create(params: { session: Omit<SessionRecord, 'revokedAt'> }): Promise<void>;
  /** The session with this digest, revoked or expired ones included; null when there is none. */
  get(params: { idHash: string }): Promise<SessionRecord | null>;
  /** Revoke a session (logout); false when there is no such session. Revoking twice keeps the first `revokedAt`. */
  revoke(params: { idHash: string; now: Date }): Promise<boolean>;
  /** Delete at most `limit` sessions that expired before `before`; returns how many. */
  prune(params: { before: Date; limit: number }): Promise<number>;
}

/** Queue controls: pause, resume and limits (`store.queues`). */
export interface QueueStore {
  /**
   * Pause a queue: once this returns, no `jobs.claim` takes its jobs until `queues.resume`; running jobs
   * are untouched. A claim already under way when the pause commits may still take some (it read the
   * queue as running). Pausing a paused queue keeps its first `pausedAt`.
   */
  pause(params: { name: string; now: Date }): Promise<QueueState>;
  /** Let workers claim from a queue again; stores with `crossProcessWakeUp` wake idle workers of it. */
  resume(params: { name: string; now: Date }): Promise<QueueState>;
  /** Every queue an operator paused, resumed or limited, by name. */
  list(): Promise<QueueState[]>;
  /** Replace a queue's limits (all of them: a null limit is cleared); its pause state stays. */
  limitsSet(params: { name: string; limits: QueueLimits; now: Date }): Promise<QueueState>;
}

/** Cron schedules (`store.schedules`). */
export interface ScheduleStore {
  /** Create a schedule, or replace its definition; `paused`, `lastRunAt` and (with the same cron and time zone) `nextRunAt` stay. */
  upsert(params: { schedule: ScheduleUpsert; now: Date }): Promise<ScheduleRecord>;
  /** Every schedule, by name. */
  list(): Promise<ScheduleRecord[]>;
  /** Stop a schedule firing; pausing a paused one keeps its first `pausedAt`. Null when there is no such schedule. */
  pause(params: { name: string; now: Date }): Promise<ScheduleRecord | null>;
  /** Let a schedule fire again from `nextRunAt` (so ticks passed while paused are not due). Null when there is no such schedule. */
  resume(params: { name: string; nextRunAt: Date; now: Date }): Promise<ScheduleRecord | null>;
  /** Delete a schedule; false when there was none. */
  remove(params: { name: string }): Promise<boolean>;
  /**
   * Record why a schedule could not fire (`lastError`, cut to the size of a job error); the next
   * `fire` clears it. False when there is no such schedule.
   */
  errorRecord(params: { name: string; message: string; now: Date }): Promise<boolean>;
  /** Unpaused schedules whose `nextRunAt` is at or before `now`, earliest first. */
  dueList(params: { now: Date; limit: number }): Promise<ScheduleRecord[]>;
  /**
   * In one transaction: move the schedule from `expectedNextRunAt` to `nextRunAt` if it is still there
   * and unpaused (compare-and-set), clearing its `lastError`, and only then insert `job`. Of many processes firing one tick,
   * exactly one gets `fired: true`.
   */
  fire(params: ScheduleFireParams): Promise<ScheduleFireResult>;
}

/**
 * The artifacts jobs wrote (`store.artifacts`): one record per file of an attempt, whose bytes are in
 * the artifact backend under `blobKey`. Only `commit` adds one, and only for a running attempt.
 */
export interface ArtifactStore {
  /**
   * Record an artifact whose bytes are all stored, if its job is still `running` under this attempt
   * and `workerId` (the lease fence), replacing one of the same name in that attempt, and log an
   * artifact event. `committed: false` when the fence failed: the caller deletes the bytes.
   */
  commit(params: { artifact: ArtifactRecord; workerId: string; now: Date }): Promise<ArtifactCommitResult>;
  /** A job's artifacts, every attempt's, by attempt then name; empty for an unknown job. */
  list(params: { jobId: string }): Promise<ArtifactRecord[]>;
  /** One artifact: of `attempt`, or when null of the latest attempt that wrote that name. */
  get(params: { jobId: string; name: string; attempt: number | null }): Promise<ArtifactRecord | null>;
  /** Up to `limit` records whose job no longer exists (pruned): their bytes are to be deleted, then they. */
  listOfPrunedJobs(params: { limit: number }): Promise<ArtifactRecord[]>;
  /** Delete the records of these blobs; returns how many. */
  delete(params: { blobKeys: readonly string[] }): Promise<number>;
  /** Which of these blob keys a record names (for a backend's sweep). */
  referenced(params: { blobKeys: readonly string[] }): Promise<string[]>;
}

/**
 * The bytes of artifacts kept in the store itself (`store.artifactChunks`), the default backend:
 * chunks of one blob numbered from 0, each knowing its byte offset.
 */
export interface ArtifactChunkStore {
  write(params: { blobKey: string; seq: number; byteOffset: number; data: Uint8Array; now: Date }): Promise<void>;
  read(params: { blobKey: string; seq: number }): Promise<{ byteOffset: number; data: Buffer } | null>;
  /** The seq of the chunk that holds byte `byteOffset` of the blob; null when the blob has none there. */
  seqAt(params: { blobKey: string; byteOffset: number }): Promise<number | null>;
  delete(params: { blobKeys: readonly string[] }): Promise<number>;
  /**
   * Delete up to `limit` blobs first written before `before` that no artifact record names: what a
   * write cut short left (a worker killed, a fence lost). Returns how many blobs.
   */
  deleteUnreferenced(params: { before: Date; limit: number }): Promise<number>;
}

/**
 * The store behind Conveyor, in parts that match the conformance sections; each part is one file per
 * dialect, named alike on both sides (`jobs.ts`, `flows.ts`…). See the module comment for the rules
 * every method follows.
 */
export interface Store {
  /** Its dialect's name as registered in `src/store/dialects.ts` (`StoreDialect`): `sqlite`, `postgres`. */
  readonly dialect: string;
  readonly capabilities: StoreCapabilities;
  readonly migrations: MigrationStore;
  readonly jobs: JobStore;
  readonly flows: FlowStore;
  readonly events: JobEventStore;
  readonly workers: WorkerStore;
  readonly sessions: SessionStore;
  readonly queues: QueueStore;
  readonly schedules: ScheduleStore;
  readonly artifacts: ArtifactStore;
  readonly artifactChunks: ArtifactChunkStore;
  readonly steps: StepStore;

  /**
   * Call `listener` with every notice any process sends through this store (jobs available, cancel
   * requested, told once per running job), until the returned function is called. A store without
   * `crossProcessWakeUp` sends no jobs-available facts: SQLite sends `store-changed` when another
   * process commits (a worker then claims at once, not at its next poll) and the cancels it then finds.
   */
  noticeListen(listener: (notice: StoreNotice) => void): () => void;

  /**
   * Whether the store could take a write now, found without writing, cheaply enough for every
   * readiness probe: SQLite checks that its file is still the one it opened, is a whole SQLite file,
   * is writable and has free space on its disk; PostgreSQL that the server is a primary and the
   * session is not read-only. Rejects only when the store does not answer.
   */
  storeWritableCheck(): Promise<StoreWritability>;

  /** Release the connection. Safe to call twice. */
  close(): Promise<void>;
}