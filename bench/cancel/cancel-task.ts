/** The task of the cancel run: one definition for the enqueuing bench and its worker process. */
import { z } from 'zod';
import { defineTask, type Task } from '../../src/index.js';

/** `run` is the handler's body; the enqueuing side passes none. */
export function cancelTask(run: (jobId: string, signal: AbortSignal) => Promise<void> = async () => undefined): Task {
  return defineTask({ name: 'bench.cancel', queue: 'bench-cancel', input: z.object({ n: z.int() }), run: (_input, ctx) => run(ctx.job.id, ctx.signal) });
}
