/**
 * A durable step as the HTTP API shows it: what it is, where it stands, when, and its error; never
 * its output (a step's result or a wait's payload may hold anything the handler returned, and can
 * be large).
 */
import { z } from '@hono/zod-openapi';
import type { StepKind, StepRecord, StepStatus } from '../store/store-records.js';
import { isoDate } from './openapi-helpers.js';

/** Every `StepKind` and `StepStatus`, for the schemas (the store's types are unions, not lists). */
export const STEP_KINDS = ['run', 'sleep', 'wait'] as const satisfies readonly StepKind[];
export const STEP_STATUSES = ['succeeded', 'failed', 'sleeping', 'waiting', 'timed-out'] as const satisfies readonly StepStatus[];

export const StepSchema = z
  .object({
    name: z.string().openapi({ example: 'fetch-rows' }),
    kind: z.enum(STEP_KINDS).openapi({ description: '`run`: ctx.step; `sleep`: ctx.sleep/sleepUntil; `wait`: ctx.waitForEvent' }),
    status: z
      .enum(STEP_STATUSES)
      .openapi({ description: 'A run step `succeeded` or `failed` (it runs again on the next attempt); a sleep is `sleeping` until `until`; a wait is `waiting` until its event or `timed-out`' }),
    attempt: z.number().int().openapi({ description: 'The attempt that last wrote it' }),
    startedAt: isoDate,
    finishedAt: isoDate.nullable(),
    durationMs: z.number().int().nullable().openapi({ description: 'finishedAt − startedAt; null while it sleeps or waits' }),
    until: isoDate.nullable().openapi({ description: "A sleep's end or a wait's deadline; null for a run step" }),
    event: z.string().nullable().openapi({ description: 'The event name a wait is for; null otherwise', example: 'export.approved' }),
    error: z
      .object({ message: z.string(), attempt: z.number().int(), at: isoDate })
      .nullable()
      .openapi({ description: "A failed run step's error; null otherwise" }),
  })
  .openapi('Step');

export type StepDto = z.infer<typeof StepSchema>;

export function toStepDto(step: StepRecord): StepDto {
  return {
    name: step.name,
    kind: step.kind,
    status: step.status,
    attempt: step.attempt,
    startedAt: step.startedAt.toISOString(),
    finishedAt: step.finishedAt === null ? null : step.finishedAt.toISOString(),
    durationMs: step.finishedAt === null ? null : Math.max(0, step.finishedAt.getTime() - step.startedAt.getTime()),
    until: step.until === null ? null : step.until.toISOString(),
    event: step.event,
    error: step.error === null ? null : { message: step.error.message, attempt: step.error.attempt, at: step.error.at.toISOString() },
  };
}
