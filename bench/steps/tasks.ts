/**
 * The tasks of the steps bench: a handler running `steps` no-op durable steps, and one that waits for
 * `bench.go` with its own `key` (so an event wakes one job of thousands) and says when it resumed.
 */
import { z } from 'zod';
import { defineTask } from '../../src/index.js';
import { QUEUE } from '../shared.js';

export const STEPS_TASK = 'bench.steps';
export const WAIT_TASK = 'bench.wait';
export const GO_EVENT = 'bench.go';
/** Waits outlast any run of the bench: a waiting job stays waiting unless the bench sends its event. */
export const WAIT_TIMEOUT_MS = 3_600_000;

export const stepsTask = defineTask({
  name: STEPS_TASK,
  queue: QUEUE,
  input: z.object({ steps: z.int() }),
  run: async ({ steps }, ctx) => {
    for (let i = 0; i < steps; i++) await ctx.step(`s${i}`, () => i);
  },
});

/** `onResume(key)` runs right after the wait returns, before the job is recorded as finished. */
export function waitTask(onResume: (key: number) => void) {
  return defineTask({
    name: WAIT_TASK,
    queue: QUEUE,
    input: z.object({ key: z.int() }),
    run: async ({ key }, ctx) => {
      const got = await ctx.waitForEvent('go', { event: GO_EVENT, match: { key }, timeoutMs: WAIT_TIMEOUT_MS });
      if (!got.timedOut) onResume(key);
    },
  });
}
