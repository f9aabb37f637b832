/**
 * A worker's checks of the services its tasks need (`Task.dependencies`, `WorkerOptions.dependencies`):
 * each dependency is checked once at start and then every `intervalMs` after its previous check
 * ended. A check that rejects, throws or outlives its timeout counts as down, with why; none can
 * crash the worker or hold up its claim loop.
 *
 * While a dependency is down, the tasks that need it and wait for it (`whileDependencyDown: 'wait'`,
 * the default) are left out of this worker's claims: their jobs wait, no attempt burned. A change
 * is logged once (down at error level with the error, back up at info with how long it was down),
 * and reported to `onChange`, so the worker claims again at once and records the change.
 */
import { ConveyorConfigError } from '../errors.js';
import type { Dependency } from '../dependency.js';
import type { Logger } from '../logger.js';
import type { DependencyStatus } from '../store/store.js';
import type { Task } from '../task.js';
import { describeThrown } from './thrown-value.js';

const NOTHING_BLOCKED: ReadonlySet<string> = new Set();

interface Watched {
  dependency: Dependency;
  /** The tasks that need it. */
  tasks: string[];
  /** The tasks that are not claimed while it is down. */
  waiting: string[];
  status: DependencyStatus | null;
  timer: NodeJS.Timeout | null;
}

export class DependencyMonitor {
  private readonly watched: Watched[];
  private readonly stopping = new AbortController();

  constructor(
    tasks: ReadonlyMap<string, Task>,
    /** Dependencies of every task of the worker. */
    workerDependencies: readonly Dependency[],
    private readonly logger: Logger,
    private readonly onChange: (status: DependencyStatus) => void,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.watched = watchList(tasks, workerDependencies);
  }

  /** Whether the worker has anything to check. */
  get empty(): boolean {
    return this.watched.length === 0;
  }

  /** Check every dependency once (each bounded by its timeout), then keep checking each on its own rhythm. */
  async start(): Promise<void> {
    await Promise.all(this.watched.map((entry) => this.check(entry)));
  }

  stop(): void {
    this.stopping.abort();
    for (const entry of this.watched) {
      if (entry.timer !== null) clearTimeout(entry.timer);
      entry.timer = null;
    }
  }

  /** What the latest check of each dependency found (those checked at least once). */
  statuses(): DependencyStatus[] {
    return this.watched.flatMap((entry) => (entry.status === null ? [] : [entry.status]));
  }

  /** Tasks not to claim now: a dependency they wait for is down. Called before every claim. */
  blockedTasks(): ReadonlySet<string> {
    if (this.watched.length === 0) return NOTHING_BLOCKED;
    return new Set(this.watched.filter((entry) => entry.status?.up === false).flatMap((entry) => entry.waiting));
  }

  private async check(entry: Watched): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const { dependency } = entry;
    const error = await runCheck(dependency, this.stopping.signal);
    if (this.stopping.signal.aborted) return;
    this.record(entry, error);
    entry.timer = setTimeout(() => void this.check(entry), dependency.intervalMs);
    entry.timer.unref();
  }

  private record(entry: Watched, error: string | null): void {
    const at = this.now();
    const previous = entry.status;
    const up = error === null;
    const changed = previous === null || previous.up !== up;
    const { name, target } = entry.dependency;
    entry.status = { name, target, up, since: changed ? at : previous.since, checkedAt: at, lastError: error, tasks: entry.tasks };
    if (!changed) return;
    const fields = { dependency: name, target, tasks: entry.tasks };
    if (!up) {
      const waiting = entry.waiting.length > 0 ? `not claiming jobs of ${entry.waiting.join(', ')} until it is back` : 'its tasks are claimed anyway';
      this.logger.error({ ...fields, err: error }, `dependency down: ${waiting}`);
    } else if (previous !== null) {
      this.logger.info({ ...fields, downMs: at.getTime() - previous.since.getTime(), lastError: previous.lastError }, 'dependency back up');
    } else {
      this.logger.debug(fields, 'dependency up');
    }
    this.onChange(entry.status);
  }
}

/**
 * Run one check: null when the service is up, else why not. Never rejects, and never waits past the
 * timeout, even for a check that ignores its signal.
 */
async function runCheck(dependency: Dependency, stopping: AbortSignal): Promise<string | null> {
  const signal = AbortSignal.any([AbortSignal.timeout(dependency.timeoutMs), stopping]);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${dependency.timeoutMs} ms`), dependency.timeoutMs);
  });
  try {
    const outcome = Promise.resolve()
      .then(() => dependency.check(signal))
      .then(
        () => null,
        (error: unknown) => (signal.aborted && !stopping.aborted ? `no answer within ${dependency.timeoutMs} ms` : describeThrown(error).message),
      );
    return await Promise.race([outcome, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** One entry per dependency name; the same name twice must be the same service. */
function watchList(tasks: ReadonlyMap<string, Task>, workerDependencies: readonly Dependency[]): Watched[] {
  const byName = new Map<string, Watched>();
  const add = (dependency: Dependency, task: Task): void => {
    const known = byName.get(dependency.name);
    if (known !== undefined && known.dependency.target !== dependency.target) {
      throw new ConveyorConfigError(
        `dependency "${dependency.name}" of task "${task.name}"`,
        `is ${dependency.target} here but ${known.dependency.target} for tasks ${known.tasks.join(', ')}; one name is one service`,
        `a name of its own, e.g. "${dependency.name}-2"`,
      );
    }
    const entry = known ?? { dependency, tasks: [], waiting: [], status: null, timer: null };
    byName.set(dependency.name, entry);
    if (!entry.tasks.includes(task.name)) entry.tasks.push(task.name);
    if (task.whileDependencyDown === 'wait' && !entry.waiting.includes(task.name)) entry.waiting.push(task.name);
  };
  for (const task of tasks.values()) {
    for (const dependency of task.dependencies) add(dependency, task);
    for (const dependency of workerDependencies) add(dependency, task);
  }
  return [...byName.values()];
}
