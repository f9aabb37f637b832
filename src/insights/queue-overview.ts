/**
 * A queue at a glance: how many of its jobs are in each state, how many finished lately, whether an
 * operator paused it, and its limits. Queues exist only through their jobs and their operator state,
 * so a queue appears once either knows it. `GET /queues` serialises these (`src/server/queue-dto.ts`);
 * the dashboard's overview renders them.
 */
import { JOB_STATES, type JobState } from '../job.js';
import type { JobStateCount, JobFinishedCount, QueueLimits, QueueState } from '../store/store.js';

/**
 * The states a queue's depth (and the `conveyor_jobs` gauge) counts: every state but `succeeded`.
 * Succeeded jobs are the history, the bulk of the table until pruned, and counting them would read
 * all of it on every request or scrape; how many succeed shows as `finishedLastMinute.succeeded`
 * and the `conveyor_job_outcomes_total` counter instead. Every other state has its own index.
 */
export const DEPTH_STATES: readonly Exclude<JobState, 'succeeded'>[] = JOB_STATES.filter((state) => state !== 'succeeded');

export type DepthState = (typeof DEPTH_STATES)[number];

/** How far back `QueueOverview.finishedLastMinute` looks. */
export const THROUGHPUT_WINDOW_MS = 60_000;

/** Jobs of a queue that finished in each final state. */
export interface FinishedCounts {
  succeeded: number;
  dead: number;
  cancelled: number;
}

export interface QueueOverview {
  name: string;
  /** Jobs of the queue in each state but succeeded; every such state is present, zero when it has none. */
  depth: Record<DepthState, number>;
  /** Jobs of the queue that finished in the last `THROUGHPUT_WINDOW_MS`, by final state. */
  finishedLastMinute: FinishedCounts;
  /** Jobs of the queue running now (the same as `depth.running`). */
  running: number;
  paused: boolean;
  pausedAt: Date | null;
  limits: QueueLimits;
}

const NO_LIMITS: QueueLimits = { concurrency: null, perKey: null, rate: null };

/**
 * Every queue that has jobs or operator state, by name, with its jobs counted among `counts` and
 * `finished` (jobs finished lately; a queue without jobs finished none).
 *
 * @example
 * queueOverviewsFrom(await conveyor.listQueues(), await conveyor.insights.jobCounts(), [])
 */
export function queueOverviewsFrom(states: QueueState[], counts: JobStateCount[], finished: JobFinishedCount[]): QueueOverview[] {
  const stateByName = new Map(states.map((state) => [state.name, state]));
  const depthByName = new Map<string, Record<DepthState, number>>();
  for (const name of stateByName.keys()) depthByName.set(name, emptyDepth());
  const depthOf = (queue: string): Record<DepthState, number> => {
    const depth = depthByName.get(queue) ?? emptyDepth();
    depthByName.set(queue, depth);
    return depth;
  };
  for (const group of counts) {
    if (isDepthState(group.state)) depthOf(group.queue)[group.state] += group.count;
  }
  const finishedByName = new Map<string, FinishedCounts>();
  for (const group of finished) {
    // A queue whose jobs all succeeded a moment ago is still listed, by its throughput.
    depthOf(group.queue);
    const byState = finishedByName.get(group.queue) ?? noneFinished();
    byState[group.state] += group.count;
    finishedByName.set(group.queue, byState);
  }
  return [...depthByName.keys()].sort().map((name) => {
    const depth = depthByName.get(name) ?? emptyDepth();
    const state = stateByName.get(name);
    return {
      name,
      depth,
      finishedLastMinute: finishedByName.get(name) ?? noneFinished(),
      running: depth.running,
      paused: state?.paused ?? false,
      pausedAt: state?.pausedAt ?? null,
      limits: state?.limits ?? NO_LIMITS,
    };
  });
}

/** One queue, its jobs counted among `counts` and `finished` (pausing and resuming answer with it). */
export function queueOverviewFrom(state: QueueState, counts: JobStateCount[], finished: JobFinishedCount[]): QueueOverview {
  const mine = <T extends { queue: string }>(groups: T[]) => groups.filter((group) => group.queue === state.name);
  const [overview] = queueOverviewsFrom([state], mine(counts), mine(finished));
  if (overview === undefined) throw new Error(`queueOverviewsFrom dropped queue "${state.name}"`);
  return overview;
}

function isDepthState(state: JobState): state is DepthState {
  return (DEPTH_STATES as readonly JobState[]).includes(state);
}

function emptyDepth(): Record<DepthState, number> {
  return Object.fromEntries(DEPTH_STATES.map((state) => [state, 0])) as Record<DepthState, number>;
}

function noneFinished(): FinishedCounts {
  return { succeeded: 0, dead: 0, cancelled: 0 };
}
