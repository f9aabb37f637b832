// The idle workload's task module, plain JavaScript on the built package, as `conveyor worker` loads a
// user's compiled tasks (no TypeScript loader in the process).
import { z } from 'zod';
import { defineTask } from '../../dist/index.js';

export const idleNoop = defineTask({ name: 'bench.idle', queue: 'bench-idle', input: z.object({ n: z.int() }), run: () => {} });
