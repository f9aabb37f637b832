/**
 * A queue as the HTTP API shows it: the JSON form of a `QueueOverview` (`src/insights/queue-overview.ts`,
 * which counts the jobs), with its OpenAPI schema.
 */
import { z } from '@hono/zod-openapi';
import { DEPTH_STATES, type DepthState, type QueueOverview } from '../insights/queue-overview.js';
import { isoDate } from './openapi-helpers.js';

const countShape = Object.fromEntries(DEPTH_STATES.map((state) => [state, z.number().int().nonnegative()])) as Record<DepthState, z.ZodNumber>;

export const QueueDepthSchema = z
  .object(countShape)
  .openapi('QueueDepth', { description: 'Jobs of the queue in each state but succeeded (see finishedLastMinute); every such state is present, zero when it has none.' });

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

/** The JSON form of a queue's overview. */
export function toQueueDto(overview: QueueOverview): QueueDto {
  const { rate } = overview.limits;
  return {
    name: overview.name,
    depth: overview.depth,
    finishedLastMinute: overview.finishedLastMinute,
    running: overview.running,
    paused: overview.paused,
    pausedAt: overview.pausedAt?.toISOString() ?? null,
    limits: { concurrency: overview.limits.concurrency, perKey: overview.limits.perKey, rate: rate === null ? null : { limit: rate.limit, intervalMs: rate.intervalMs } },
  };
}
