/**
 * `createTestConveyor`: a Conveyor on a private in-memory SQLite store and a test clock, with the
 * helpers a unit test needs: `drain`, `runTask`, `expectEnqueued`, `enqueued`.
 */
import { randomUUID } from 'node:crypto';
import { resolveArtifactSettings } from '../artifacts/settings.js';
import { Conveyor } from '../conveyor.js';
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import type { Schedule } from '../schedule/define-schedule.js';
import { openSqliteStore } from '../sqlite/index.js';
import type { EventDefinition } from '../step.js';
import { StepWriter } from '../steps/step-writer.js';
import type { Resources, Task, TaskInput, TaskResult } from '../task.js';
import { ConveyorConfigError } from '../errors.js';
import { Drainer, type DrainOptions, type DrainOutcome } from './drain.js';
import { expectEnqueuedIn, listEnqueued, type EnqueuedMatcher } from './enqueued.js';
import type { InlineDeps } from './inline-attempt.js';
import { runTaskInline, type RunTaskContext } from './run-task.js';
import { TestClock } from './test-clock.js';
import { silentLogger } from './silent-logger.js';

export interface TestConveyorOptions {
  /** The tasks under test: `drain()` runs their jobs, and `conveyor.enqueue('name', …)` knows them. */
  tasks: Task[];
  /** What handlers get as `ctx.resources` (already built: no factories). @default {} */
  resources?: Resources;
  /** Where the clock starts. @default the wall clock's time */
  now?: Date;
  /** Cron schedules to store; `drain()` fires those due at the clock's time. */
  schedules?: Schedule[];
  /** Events jobs wait for, checked by `conveyor.sendEvent`. */
  events?: EventDefinition[];
  /** Where Conveyor logs. @default nowhere */
  logger?: Logger;
}

export interface TestConveyor {
  /** A real Conveyor on the in-memory store: `enqueue`, `flows`, `getJob`, `sendEvent`… */
  conveyor: Conveyor;
  /** The clock every time-based decision reads; `advance` it to make later work due. */
  clock: TestClock;
  /** Run every job due now, one at a time, until none is; their outcomes, in run order. */
  drain(options?: DrainOptions): Promise<DrainOutcome[]>;
  /** Run one handler once with a real context; its result, or its error thrown. */
  runTask<T extends Task>(task: T, input: TaskInput<T>, context?: RunTaskContext): Promise<TaskResult<T>>;
  /** The first unfinished job of `task` whose input matches; throws an Error listing that task's unfinished jobs otherwise. */
  expectEnqueued<T extends Task>(task: T, matcher?: EnqueuedMatcher<T>): Promise<Job<TaskInput<T>>>;
  /** Unfinished jobs of `task` (or of every task), oldest first. */
  enqueued<T extends Task>(task: T): Promise<Array<Job<TaskInput<T>>>>;
  enqueued(task?: string): Promise<Job[]>;
  /** Close the store; the data is gone with it. */
  close(): Promise<void>;
}

/**
 * @example
 * const t = await createTestConveyor({ tasks: [sendEmail] });
 * await t.conveyor.enqueue(sendEmail, { to: 'ada@example.com' }, { delayMs: 60_000 });
 * expect(await t.drain()).toEqual([]);
 * t.clock.advance('1m');
 * expect((await t.drain())[0]?.state).toBe('succeeded');
 * await t.close();
 */
export async function createTestConveyor(options: TestConveyorOptions): Promise<TestConveyor> {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.tasks)) {
    throw new ConveyorConfigError('createTestConveyor(options).tasks', 'must be an array of tasks made by defineTask', '{ tasks: [sendEmail] }');
  }
  const clock = new TestClock(options.now);
  const logger = options.logger ?? silentLogger;
  const store = openSqliteStore({ path: ':memory:' });
  const conveyor = await Conveyor.open({ store, tasks: options.tasks, schedules: options.schedules ?? [], events: options.events ?? [], logger, clock });
  const deps: InlineDeps = {
    store,
    workerId: `conveyor-testkit-${randomUUID()}`,
    logger,
    artifacts: resolveArtifactSettings(undefined, store, 'createTestConveyor'),
    stepWriter: new StepWriter(store, clock),
    // Resources is augmented by applications; a test that passes none uses none.
    resources: options.resources ?? ({} as Resources),
    clock,
  };
  const drainer = new Drainer(new Map(options.tasks.map((task) => [task.name, task])), deps);
  return {
    conveyor,
    clock,
    drain: (drainOptions) => drainer.drain(drainOptions),
    runTask: (task, input, context = {}) => runTaskInline(task, input, context, deps),
    expectEnqueued: (task, matcher) => expectEnqueuedIn(store, task, matcher),
    enqueued: ((task?: Task | string) => listEnqueued(store, task)) as TestConveyor['enqueued'],
    close: () => conveyor.close(),
  };
}
