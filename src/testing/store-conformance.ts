/**
 * The conformance suite every store's test file runs: each behaviour the `Store` interface promises,
 * checked against the real store through a `StoreHarness`. A store that cannot pass a test skips it
 * by name with a reason, so the gap is visible in every test run.
 *
 * @example
 * runStoreConformance({
 *   name: 'sqlite',
 *   createHarness: async () => { … },
 *   skip: [{ reason: 'known bug #123: prune ignores its limit', tests: ['jobs.pruneFinished > limit bounds how many jobs one call deletes'] }],
 * });
 */
import { describe } from 'vitest';
import { artifactTests } from './store-conformance/artifacts.js';
import { stepTests } from './store-conformance/steps.js';
import { cancelTests } from './store-conformance/cancel-retry.js';
import { claimTests } from './store-conformance/claim-and-lease.js';
import { ConformanceSuite, type SuiteSection } from './store-conformance/context.js';
import { deleteFinishedTests } from './store-conformance/delete-finished.js';
import { eventTests } from './store-conformance/events.js';
import { flowSettlingTests } from './store-conformance/flow-settling.js';
import { flowTests } from './store-conformance/flows.js';
import { insertTests } from './store-conformance/insert-and-dedup.js';
import { keptCountTests } from './store-conformance/kept-counts.js';
import { limitTests } from './store-conformance/limits.js';
import { listCountTests } from './store-conformance/list-count.js';
import { listSearchTests } from './store-conformance/list-search.js';
import { listSummaryTests } from './store-conformance/list-summaries.js';
import { maintenanceTests } from './store-conformance/maintenance.js';
import { migrationTests } from './store-conformance/migrations.js';
import { noticeTests } from './store-conformance/notices.js';
import { scheduleTests } from './store-conformance/schedules.js';
import { sessionTests } from './store-conformance/sessions.js';
import { queueTests } from './store-conformance/queues.js';
import { runNowTests } from './store-conformance/run-now.js';
import { stateMachineTests } from './store-conformance/state-machine.js';
import { stateUpdateTests } from './store-conformance/state-updates.js';
import { traceContextTests } from './store-conformance/trace-context.js';
import { workerTests } from './store-conformance/workers.js';
import { writabilityTests } from './store-conformance/writability.js';
import type { StoreHarnessFactory } from './store-harness.js';

export type { StoreHarness, StoreHarnessFactory } from './store-harness.js';

export interface StoreConformanceOptions {
  /** Names the top-level `describe`, e.g. `'sqlite'`. */
  name: string;
  /** Called before every test: each test gets its own fresh database. */
  createHarness: StoreHarnessFactory;
  /**
   * Tests this store does not pass, by `"<group> > <test title>"` as vitest prints them, each with
   * the reason (usually a capability the store does not have). Naming a test the suite does not
   * declare fails the run, so a renamed test cannot silently stop being skipped.
   * @default []
   */
  skip?: Array<{ reason: string; tests: string[] }>;
}

const SECTIONS: readonly SuiteSection[] = [
  migrationTests,
  insertTests,
  claimTests,
  stateUpdateTests,
  cancelTests,
  runNowTests,
  deleteFinishedTests,
  maintenanceTests,
  listCountTests,
  keptCountTests,
  listSearchTests,
  listSummaryTests,
  workerTests,
  sessionTests,
  noticeTests,
  scheduleTests,
  queueTests,
  limitTests,
  flowTests,
  flowSettlingTests,
  stateMachineTests,
  eventTests,
  writabilityTests,
  artifactTests,
  stepTests,
  traceContextTests,
];

/** Declare the conformance suite's `describe`/`it` blocks for one store. Call it at the top level of a test file. */
export function runStoreConformance(options: StoreConformanceOptions): void {
  const suite = new ConformanceSuite(options.createHarness, options.skip ?? []);
  describe(`store conformance: ${options.name}`, () => {
    for (const declareSection of SECTIONS) declareSection(suite);
    suite.checkSkipList();
  });
}
