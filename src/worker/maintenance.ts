/**
 * Maintenance every worker runs: promote due scheduled and retrying jobs, recover jobs whose lease
 * expired (F2), fold the store's kept job counts (`kept-counts.ts`), and prune finished jobs (with their artifacts), dead worker records and expired dashboard sessions past their retention. Every step is a
 * single bounded store operation that is safe to run concurrently from many workers, so no leader is needed.
 */
import { ARTIFACT_SWEEP_AFTER_MS, ARTIFACT_SWEEP_INTERVAL_MS, pruneArtifactsOfPrunedJobs, sweepUnrecordedArtifacts } from '../artifacts/artifact-pruning.js';
import type { ArtifactBackend } from '../artifacts/backend.js';
import type { RetentionOptions } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { StoreConnectionTracker } from './store-connection.js';

export interface MaintenanceOptions {
  /** How often to promote due jobs and recover expired leases. @default 1000 */
  intervalMs: number;
  /**
   * How often to fire due cron schedules (one indexed query when none is due); below a second so an
   * every-second schedule fires on time. @default 250
   */
  scheduleIntervalMs: number;
  /** How often to prune, and to settle flow jobs a crash left waiting after their children finished. @default 60_000 */
  pruneIntervalMs: number;
  /** Rows per store operation. @default 1000 */
  batchSize: number;
  retention: RetentionOptions;
}

/** Sent events are kept this long, for waits that start after their event. */
export const SENT_EVENT_RETENTION_MS = 86_400_000;

/**
 * Waits resolved this recently are checked each run for a job left sleeping until its deadline (the
 * event came while it was still leaving its worker). A spurious wake is harmless: a sleep or a wait
 * not over snoozes again.
 */
const RESOLVED_WAIT_WINDOW_MS = 60_000;

/** Prune at most this many batches per run, so one run never holds the store for long. */
const MAX_PRUNE_BATCHES = 20;

/**
 * Events come three or more per job, so they are pruned in batches this many times larger, up to
 * `MAX_PRUNE_BATCHES` of them per run: with the defaults, 200,000 events a minute per worker.
 */
const EVENT_BATCH_FACTOR = 10;

/**
 * Kept-count changes (PostgreSQL records two per job that fails, dies, is cancelled or is scheduled)
 * are folded in batches this many times larger, every run: 10,000 a second per worker with the defaults.
 */
const KEPT_COUNT_FOLD_FACTOR = 10;

export class Maintenance {
  private lastPruneAt = 0;
  private lastSweepAt = 0;

  constructor(
    private readonly store: Store,
    private readonly options: MaintenanceOptions,
    private readonly logger: Logger,
    private readonly connection: StoreConnectionTracker,
    /** Told how many expired leases a run recovered (the worker re-emits it as `leases-recovered`, for metrics). */
    private readonly onLeasesRecovered: (count: number) => void,
    /** Where artifacts' bytes live, to delete those of pruned jobs and of writes never recorded. */
    private readonly artifacts: ArtifactBackend,
  ) {}

  /** One run of every step that is due; a failure is reported to the connection tracker, and the next run tries again. */
  async run(now = new Date()): Promise<void> {
    try {
      await this.connection.observe('maintenance', () => this.runSteps(now));
    } catch {
      // The connection tracker logged it.
    }
  }

  private async runSteps(now: Date): Promise<void> {
    const promoted = await this.store.jobs.promoteDue({ now, limit: this.options.batchSize });
    const recovered = await this.store.jobs.recoverExpiredLeases({ now, limit: this.options.batchSize });
    await this.store.jobs.foldKeptCounts({ limit: this.options.batchSize * KEPT_COUNT_FOLD_FACTOR });
    // The safety net of waits: an event that came while its job was still leaving its worker.
    const woken = await this.store.steps.wakeResolved({ since: new Date(now.getTime() - RESOLVED_WAIT_WINDOW_MS), now, limit: this.options.batchSize });
    if (woken > 0) this.logger.debug({ woken }, 'queued jobs whose wait an event resolved');
    if (recovered > 0) {
      this.logger.warn({ recovered }, 'recovered jobs whose lease expired');
      this.onLeasesRecovered(recovered);
    }
    if (promoted > 0) this.logger.debug({ promoted }, 'promoted due jobs');
    if (now.getTime() - this.lastPruneAt >= this.options.pruneIntervalMs) {
      this.lastPruneAt = now.getTime();
      await this.settleWaiting(now);
      await this.prune(now);
    }
  }

  /**
   * A safety net, run as often as pruning: every store call that finishes a child settles its parent,
   * so this finds only a parent a crash left waiting (PostgreSQL settles after the child commits).
   */
  private async settleWaiting(now: Date): Promise<void> {
    const settled = await this.store.flows.settleWaiting({ now, limit: this.options.batchSize });
    if (settled > 0) this.logger.warn({ settled }, 'settled flow jobs left waiting after their children finished');
  }

  private async prune(now: Date): Promise<void> {
    const { retention, batchSize } = this.options;
    const before = (ms: number) => new Date(now.getTime() - ms);
    let pruned = 0;
    for (let batch = 0; batch < MAX_PRUNE_BATCHES; batch++) {
      const count = await this.store.jobs.pruneFinished({
        succeededBefore: before(retention.succeededMs),
        deadBefore: before(retention.deadMs),
        cancelledBefore: before(retention.cancelledMs),
        limit: batchSize,
      });
      pruned += count;
      if (count < batchSize) break;
    }
    const workers = await this.store.workers.prune({ heartbeatBefore: before(retention.stoppedWorkersMs) });
    const events = await this.pruneEvents(before(retention.eventsMs));
    const sessions = await this.store.sessions.prune({ before: now, limit: batchSize });
    if (sessions > 0) this.logger.debug({ sessions }, 'pruned expired dashboard sessions');
    const artifacts = await pruneArtifactsOfPrunedJobs(this.store, this.artifacts, MAX_PRUNE_BATCHES);
    await this.pruneSteps(before(SENT_EVENT_RETENTION_MS));
    let swept = 0;
    if (now.getTime() - this.lastSweepAt >= ARTIFACT_SWEEP_INTERVAL_MS) {
      this.lastSweepAt = now.getTime();
      swept = await sweepUnrecordedArtifacts(this.store, this.artifacts, before(ARTIFACT_SWEEP_AFTER_MS), batchSize);
    }
    if (swept > 0) this.logger.info({ swept, backend: this.artifacts.description }, 'deleted the bytes of artifact writes never recorded (a worker stopped mid-write)');
    if (pruned > 0 || workers > 0 || artifacts > 0) this.logger.info({ jobs: pruned, workers, events, artifacts }, 'pruned past retention');
    else if (events > 0) this.logger.debug({ events }, 'pruned job events past retention');
  }

  /** The steps of pruned jobs, and sent events past their day; bounded like the rest. */
  private async pruneSteps(sentBefore: Date): Promise<void> {
    const { batchSize } = this.options;
    for (let batch = 0; batch < MAX_PRUNE_BATCHES; batch++) {
      if ((await this.store.steps.pruneOfPrunedJobs({ limit: batchSize })) < batchSize) break;
    }
    for (let batch = 0; batch < MAX_PRUNE_BATCHES; batch++) {
      if ((await this.store.steps.pruneSentEvents({ before: sentBefore, limit: batchSize })) < batchSize) break;
    }
  }

  private async pruneEvents(before: Date): Promise<number> {
    const limit = this.options.batchSize * EVENT_BATCH_FACTOR;
    let pruned = 0;
    for (let batch = 0; batch < MAX_PRUNE_BATCHES; batch++) {
      const count = await this.store.events.prune({ before, limit });
      pruned += count;
      if (count < limit) break;
    }
    return pruned;
  }
}
