/**
 * `conveyor/testing`: run your tasks in unit tests without a worker, a database file or waiting.
 * A Conveyor on an in-memory SQLite store, a clock you move, `drain()` to run what is due, `runTask`
 * to call one handler with a real context, and `expectEnqueued` to assert what was enqueued.
 */
export { createTestConveyor, type TestConveyor, type TestConveyorOptions } from './create-test-conveyor.js';
export type { DrainOptions, DrainOutcome } from './drain.js';
export type { EnqueuedMatcher } from './enqueued.js';
export type { RunTaskContext } from './run-task.js';
export { TestClock, type Duration } from './test-clock.js';
export type { Clock } from '../clock.js';
