/**
 * A queue as the HTTP API shows it: how many of its jobs are in each state, how many finished in the
 * last minute, whether an operator paused it, and its limits. Queues exist only through their jobs
 * and their operator state, so a queue appears once either knows it.
 */
import { z } from '@hono/zod-openapi';
import { JOB_STATES, type JobState } from '../job.js';
import type { JobCount, JobFinishedCount, QueueLimits, QueueState } from '../store/store.js';
import { isoDate } from './openapi-helpers.js';

/**
 * The states a queue's depth (and the `conveyor_jobs` gauge) counts: every state but `succeeded`.
 * Succeeded jobs are the history, the bulk of the table until pruned, and counting them would read
 * all of it on every request or scrape; how many succeed shows as `finishedLastMinute.succeeded`
 * and the `conveyor_job_outcomes_total` counter instead. Every other state has its own index.
 */
export const DEPTH_STATES: readonly Exclude<JobState, 'succeeded'>[] = JOB_STATES.filter((state) => state !== 'succeeded');

type DepthState = (typeof DEPTH_STATES)[number];

const countShape = Object.fromEntries(DEPTH_STATES.map((state) => [state, z.number().int().nonnegative()])) as Record<DepthState, z.ZodNumber>;

export const QueueDepthSchema = z
  .object(countShape)
  .openapi('QueueDepth', { description: 'Jobs of the queue in each state but succeeded (see finishedLastMinute); every such state is present, zero when it has none.' });

/** How far back `finishedLastMinute` looks. */
export const THROUGHPUT_WINDOW_MS = 60_000;

const count = z.number().int().nonnegative();

export const QueueFinishedSchema = z
  .object({ succeeded: count, dead: count, cancelled: count })
  .openapi('QueueFinished', {
    description: 'Throughput over the last minute: jobs of the queue that finished in each final state in the 60 seconds before the request; zero when none did.',
  });

export const QueueLimitsSchema = z
  .object({
    concurrency: z.number().int().nullable().openapi({ description: 'At most this many of the queue’s jobs run at once; null: no limit.' }),
    perKey: z.number().int().nullable().openapi({ description: 'At most this many jobs with the same concurrency key run at once; null: no limit.' }),
    rate: z
      .object({ limit: z.number().int(), intervalMs: z.number().int() })
      .nullable()
      .openapi({ description: 'At most `limit` jobs start in any window of `intervalMs`; null: no limit.' }),
  })
  .openapi('QueueLimits');

export const QueueSchema = z
  .object({
    name: z.string().openapi({ example: 'mail' }),
    depth: QueueDepthSchema,
    finishedLastMinute: QueueFinishedSchema,
    running: z.number().int().nonnegative().openapi({ description: 'Jobs of the queue running now (the same as `depth.running`).' }),
    paused: z.boolean(),
    pausedAt: isoDate.nullable(),
    limits: QueueLimitsSchema,
  })
  .openapi('Queue');

export type QueueDto = z.infer<typeof QueueSchema>;

const NO_LIMITS: QueueLimits = { concurrency: null, perKey: null, rate: null };

/**
 * Every queue that has jobs or operator state, by name, with its jobs counted among `counts` and
 * `finished` (jobs finished in the last minute; a queue without jobs finished none).
 *
 * @example
 * const since = new Date(Date.now() - THROUGHPUT_WINDOW_MS);
 * toQueueDtos(await conveyor.listQueues(), await conveyor.store.jobs.countByGroup({ states: [...DEPTH_STATES] }), await conveyor.store.jobs.countFinishedSince({ since }));
 */
export function toQueueDtos(states: QueueState[], counts: JobCount[], finished: JobFinishedCount[]): QueueDto[] {
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
  const finishedByName = new Map<string, QueueDto['finishedLastMinute']>();
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
      pausedAt: state?.pausedAt?.toISOString() ?? null,
      limits: toLimitsDto(state?.limits ?? NO_LIMITS),
    };
  });
}

/** One queue as the JSON form, its jobs counted among `counts` and `finished` (pause and resume answer with it). */
export function toQueueDto(state: QueueState, counts: JobCount[], finished: JobFinishedCount[]): QueueDto {
  const mine = <T extends { queue: string }>(groups: T[]) => groups.filter((group) => group.queue === state.name);
  const [dto] = toQueueDtos([state], mine(counts), mine(finished));
  if (dto === undefined) throw new Error(`toQueueDtos dropped queue "${state.name}"`);
  return dto;
}

function isDepthState(state: JobState): state is DepthState {
  return (DEPTH_STATES as readonly JobState[]).includes(state);
}

function emptyDepth(): Record<DepthState, number> {
  return Object.fromEntries(DEPTH_STATES.map((state) => [state, 0])) as Record<DepthState, number>;
}

function noneFinished(): QueueDto['finishedLastMinute'] {
  return { succeeded: 0, dead: 0, cancelled: 0 };
}

function toLimitsDto(limits: QueueLimits): QueueDto['limits'] {
  return { concurrency: limits.concurrency, perKey: limits.perKey, rate: limits.rate === null ? null : { limit: limits.rate.limit, intervalMs: limits.rate.intervalMs } };
}
