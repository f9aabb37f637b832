/**
 * `ctx.step`, `ctx.sleep`, `ctx.sleepUntil` and `ctx.waitForEvent` of one attempt. The job's steps
 * are read once, at the first call; each finished step then returns what it stored. A step that has
 * not finished runs and stores its outcome, fenced by the attempt's lease; a sleep or a wait that is
 * not over stores where it stands and throws a snooze, so the job leaves the worker (the attempt is
 * not counted) and comes back when the sleep ends, the wait's event is sent, or its deadline passes.
 */
import { systemClock, type Clock } from '../clock.js';
import { ConveyorStepError } from '../errors.js';
import { MAX_SNOOZE_MS, snooze } from '../handler-outcomes.js';
import type { Logger } from '../logger.js';
import { backoffDelayMs, resolveRetryPolicy } from '../retry.js';
import { EVENT_NAME, type StepOptions, type TaskSteps, type WaitForEventOptions, type WaitForEventResult } from '../step.js';
import type { StepKind, StepRecord, Store } from '../store/store.js';
import type { StepWriter } from './step-writer.js';
import { MAX_STEP_NAME_LENGTH, stepValueJson, thrownAsAttemptError } from './step-values.js';

export interface StepAttempt {
  jobId: string;
  attempt: number;
  workerId: string;
  /** When the job was enqueued: a wait looks back to events sent since. */
  createdAt: Date;
  signal: AbortSignal;
}

export class AttemptSteps implements TaskSteps {
  private known: Promise<Map<string, StepRecord>> | null = null;
  private readonly used = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly ref: StepAttempt,
    private readonly logger: Logger,
    /** Writes steps with those of the worker's other attempts, one transaction per batch. */
    private readonly writer: StepWriter,
    /** Where sleeps and waits read the time (a test clock makes them due without waiting). */
    private readonly clock: Clock = systemClock,
  ) {}

  async step<T>(name: string, fn: () => Promise<T> | T, options: StepOptions = {}): Promise<T> {
    const where = this.claimName('step', name);
    if (typeof fn !== 'function') throw new ConveyorStepError(`${where}: the step's body is not a function; give one, e.g. ctx.step('fetch-page-1', () => fetchPage(1))`);
    const policy = options.retry === undefined ? null : resolveRetryPolicy(`${where}.retry`, options.retry);
    const stored = (await this.steps()).get(name);
    if (stored !== undefined) this.checkKind(where, stored, 'run');
    if (stored?.status === 'succeeded') {
      const kept = JSON.parse(stored.output ?? '{}') as { value?: T };
      return kept.value as T;
    }
    const startedAt = this.clock.now();
    for (let tryNumber = 1; ; tryNumber++) {
      try {
        const value = await fn();
        const output = stepValueJson(value, where);
        await this.save(where, { ...this.record(name, 'run', startedAt), status: 'succeeded', output, finishedAt: this.clock.now() });
        return value;
      } catch (error) {
        if (error instanceof ConveyorStepError && error.leaseLost) throw error;
        if (policy !== null && tryNumber < policy.maxAttempts && !this.ref.signal.aborted) {
          await pause(backoffDelayMs(policy.backoff, tryNumber), this.ref.signal);
          continue;
        }
        const failedAt = this.clock.now();
        await this.save(where, { ...this.record(name, 'run', startedAt), status: 'failed', error: thrownAsAttemptError(error, this.ref.attempt, failedAt), finishedAt: failedAt }).catch((saveError: unknown) =>
          this.logger.warn({ err: saveError, step: name }, 'could not record a failed step; the attempt fails with the step error'),
        );
        throw error;
      }
    }
  }

  sleep(name: string, ms: number): Promise<void> {
    if (!Number.isInteger(ms) || ms < 0 || ms > MAX_SNOOZE_MS) {
      return Promise.reject(new ConveyorStepError(`ctx.sleep(${JSON.stringify(name)}, ms): ms must be an integer of milliseconds from 0 to ${MAX_SNOOZE_MS} (365 days), got ${String(ms)}; e.g. ctx.sleep('cool-down', 60_000)`));
    }
    return this.sleepTo('sleep', name, () => new Date(this.clock.now().getTime() + ms));
  }

  sleepUntil(name: string, until: Date): Promise<void> {
    if (!(until instanceof Date) || Number.isNaN(until.getTime())) {
      return Promise.reject(new ConveyorStepError(`ctx.sleepUntil(${JSON.stringify(name)}, until): until must be a valid Date, got ${String(until)}; e.g. new Date('2026-12-05T02:00:00Z')`));
    }
    return this.sleepTo('sleepUntil', name, () => until);
  }

  async waitForEvent<TPayload = unknown>(name: string, options: WaitForEventOptions): Promise<WaitForEventResult<TPayload>> {
    const where = this.claimName('waitForEvent', name);
    const { event, match, timeoutMs } = checkWaitOptions(where, options);
    const stored = (await this.steps()).get(name);
    if (stored !== undefined) this.checkKind(where, stored, 'wait');
    const now = this.clock.now();
    if (stored?.status === 'succeeded') return received<TPayload>(stored);
    if (stored?.status === 'timed-out') return { timedOut: true };
    if (stored?.status === 'waiting') {
      const deadline = stored.until!.getTime();
      if (now.getTime() < deadline) throw snooze(deadline - now.getTime());
      await this.save(where, { ...stored, attempt: this.ref.attempt, status: 'timed-out', finishedAt: now });
      return { timedOut: true };
    }
    const waiting: StepRecord = { ...this.record(name, 'wait', now), status: 'waiting', until: new Date(now.getTime() + timeoutMs), event, match: match === undefined ? null : JSON.stringify(match) };
    const started = await this.store.steps.wait({ step: waiting, workerId: this.ref.workerId, now, lookBackFrom: this.ref.createdAt });
    if (!started.held) throw leaseLost(where, this.ref);
    if (started.resolved !== null) return { timedOut: false, payload: JSON.parse(started.resolved.payload) as TPayload, sentAt: started.resolved.sentAt };
    throw snooze(timeoutMs);
  }

  private async sleepTo(method: string, name: string, until: () => Date): Promise<void> {
    const where = this.claimName(method, name);
    const stored = (await this.steps()).get(name);
    if (stored !== undefined) this.checkKind(where, stored, 'sleep');
    if (stored?.status === 'succeeded') return;
    const now = this.clock.now();
    const end = stored?.until ?? until();
    if (now >= end) {
      await this.save(where, { ...(stored ?? this.record(name, 'sleep', now)), attempt: this.ref.attempt, status: 'succeeded', until: end, finishedAt: now });
      return;
    }
    if (stored === undefined) await this.save(where, { ...this.record(name, 'sleep', now), status: 'sleeping', until: end });
    throw snooze(Math.min(end.getTime() - now.getTime(), MAX_SNOOZE_MS));
  }

  /** Check the name and that this run has not used it yet; returns how errors name the call. */
  private claimName(method: string, name: unknown): string {
    const where = `ctx.${method}(${JSON.stringify(name) ?? String(name)})`;
    if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_STEP_NAME_LENGTH) {
      throw new ConveyorStepError(`${where}: a step name must be a non-empty string of at most ${MAX_STEP_NAME_LENGTH} characters, unique in the job; e.g. 'fetch-page-1'`);
    }
    if (this.used.has(name)) {
      throw new ConveyorStepError(`${where}: step "${name}" was already used in this run; give each step its own name, e.g. \`page-\${i}\` inside a loop`);
    }
    this.used.add(name);
    return where;
  }

  private checkKind(where: string, stored: StepRecord, kind: StepKind): void {
    if (stored.kind !== kind) {
      throw new ConveyorStepError(`${where}: step "${stored.name}" of this job is a ${stored.kind} step (from attempt ${stored.attempt}); a step name keeps its kind, so rename one of them`);
    }
  }

  private steps(): Promise<Map<string, StepRecord>> {
    this.known ??= this.store.steps.list({ jobId: this.ref.jobId }).then((steps) => new Map(steps.map((step) => [step.name, step])));
    return this.known;
  }

  private record(name: string, kind: StepKind, startedAt: Date): StepRecord {
    return { jobId: this.ref.jobId, name, kind, status: 'succeeded', attempt: this.ref.attempt, output: null, error: null, startedAt, finishedAt: null, until: null, event: null, match: null };
  }

  private async save(where: string, step: StepRecord): Promise<void> {
    const held = await this.writer.save(step, this.ref.workerId);
    if (!held) throw leaseLost(where, this.ref);
    (await this.steps()).set(step.name, step);
  }
}

function leaseLost(where: string, ref: StepAttempt): ConveyorStepError {
  return new ConveyorStepError(`${where}: job ${ref.jobId} attempt ${ref.attempt} no longer holds the job (its lease was lost, or it was cancelled or timed out), so the step was not recorded`, { leaseLost: true });
}

function received<TPayload>(stored: StepRecord): WaitForEventResult<TPayload> {
  const output = JSON.parse(stored.output ?? '{}') as { payload: TPayload; sentAt: string };
  return { timedOut: false, payload: output.payload, sentAt: new Date(output.sentAt) };
}

function checkWaitOptions(where: string, options: WaitForEventOptions): WaitForEventOptions {
  const example = "{ event: 'export.approved', match: { exportId: 42 }, timeoutMs: 86_400_000 }";
  if (typeof options !== 'object' || options === null) throw new ConveyorStepError(`${where}: options are missing; give ${example}`);
  if (typeof options.event !== 'string' || !EVENT_NAME.test(options.event)) {
    throw new ConveyorStepError(`${where}: event must be a name of letters, digits and . _ : - (at most 200), got ${JSON.stringify(options.event)}; give ${example}`);
  }
  if (options.match !== undefined && (typeof options.match !== 'object' || options.match === null || Array.isArray(options.match))) {
    throw new ConveyorStepError(`${where}: match must be an object of the fields a payload must have, got ${JSON.stringify(options.match)}; give ${example}`);
  }
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1 || options.timeoutMs > MAX_SNOOZE_MS) {
    throw new ConveyorStepError(`${where}: timeoutMs must be an integer of milliseconds from 1 to ${MAX_SNOOZE_MS} (365 days), got ${String(options.timeoutMs)}; give ${example}`);
  }
  if (options.match !== undefined) stepValueJson(options.match, `${where}.match`);
  return options;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
