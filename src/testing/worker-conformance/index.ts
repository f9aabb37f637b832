/**
 * The worker conformance suite: the engine's promises, tested end to end against a real store,
 * with real worker processes where a crash or a race between processes is the point.
 * Each store's test file calls `runWorkerConformance` with a harness for a fresh database.
 */
import { dependencyTests } from './dependencies.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { abortIgnoredTests } from './abort-ignored.js';
import { artifactTests } from './artifacts.js';
import { stepTests } from './steps.js';
import { cancelTests } from './cancel.js';
import { crashTests } from './crash.js';
import { dedupTests } from './dedup.js';
import { enqueueTests } from './enqueue.js';
import { flowTests } from './flows.js';
import { hostileHandlerTests } from './hostile-handlers.js';
import { lifecycleTests } from './lifecycle.js';
import { limitTests } from './limits.js';
import { maintenanceTests } from './maintenance.js';
import { queueTests } from './queues.js';
import { outcomeTests } from './outcomes.js';
import { prefetchTests } from './prefetch.js';
import { registryTests } from './registry.js';
import { retryTests } from './retries.js';
import { scheduleTests } from './schedules.js';

export function runWorkerConformance(createHarness: WorkerHarnessFactory): void {
  enqueueTests(createHarness);
  lifecycleTests(createHarness);
  retryTests(createHarness);
  outcomeTests(createHarness);
  cancelTests(createHarness);
  dedupTests(createHarness);
  registryTests(createHarness);
  maintenanceTests(createHarness);
  queueTests(createHarness);
  limitTests(createHarness);
  crashTests(createHarness);
  scheduleTests(createHarness);
  flowTests(createHarness);
  prefetchTests(createHarness);
  hostileHandlerTests(createHarness);
  abortIgnoredTests(createHarness);
  dependencyTests(createHarness);
  artifactTests(createHarness);
  stepTests(createHarness);
}
