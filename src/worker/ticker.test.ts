/**
 * Positive checks (the step ran) wait on the step's own promises with real, short intervals.
 * Negative checks (the step did not run again) use fake timers, so "no run in ten intervals" is
 * exact instead of a sleep.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Ticker } from './ticker.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A step that blocks on a gate per call and records how many calls overlap. */
function gatedStep() {
  const gates: Deferred[] = [];
  const starts: Deferred[] = [];
  const slot = (list: Deferred[], n: number): Deferred => {
    while (list.length < n) list.push(deferred());
    return list[n - 1] as Deferred;
  };
  const state = { calls: 0, active: 0, maxActive: 0, finished: 0 };
  const step = async () => {
    state.calls += 1;
    state.active += 1;
    state.maxActive = Math.max(state.maxActive, state.active);
    const call = state.calls;
    slot(starts, call).resolve();
    await slot(gates, call).promise;
    state.active -= 1;
    state.finished += 1;
  };
  return {
    step,
    state,
    /** Resolves when call number `n` (1-based) has started. */
    started: (n: number) => slot(starts, n).promise,
    /** Lets call number `n` finish. */
    release: (n: number) => slot(gates, n).resolve(),
  };
}

/** Whether `promise` has settled, without waiting for it. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

afterEach(() => {
  vi.useRealTimers();
});

/** Steps in these tests never reject; if one does, fail loudly. */
const rethrow = (error: unknown): never => {
  throw error;
};

describe('Ticker', () => {
  it('runs the step repeatedly once started', async () => {
    const thirdRun = deferred();
    let runs = 0;
    const ticker = new Ticker(1, async () => {
      runs += 1;
      if (runs === 3) thirdRun.resolve();
    }, rethrow);
    ticker.start();
    await thirdRun.promise;
    await ticker.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  it('does nothing before start', async () => {
    vi.useFakeTimers();
    const step = vi.fn(async () => {});
    const ticker = new Ticker(10, step, rethrow);
    await vi.advanceTimersByTimeAsync(1000);
    expect(step).not.toHaveBeenCalled();
    await ticker.stop();
  });

  it('never runs two steps at once, however many intervals pass', async () => {
    vi.useFakeTimers();
    const gated = gatedStep();
    const ticker = new Ticker(10, gated.step, rethrow);
    ticker.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(gated.state.calls).toBe(1);

    await vi.advanceTimersByTimeAsync(1000);
    const extra = [ticker.runNow(), ticker.runNow()];
    await vi.advanceTimersByTimeAsync(1000);
    expect(gated.state.calls).toBe(1);

    gated.release(1);
    await Promise.all(extra);
    expect(gated.state.finished).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(gated.state.calls).toBe(2);
    expect(gated.state.maxActive).toBe(1);

    gated.release(2);
    await ticker.stop();
  });

  it('runNow while a step runs waits for that step instead of starting another', async () => {
    const gated = gatedStep();
    const ticker = new Ticker(60_000, gated.step, rethrow);
    const first = ticker.runNow();
    const second = ticker.runNow();
    await gated.started(1);
    expect(await isSettled(second)).toBe(false);
    gated.release(1);
    await Promise.all([first, second]);
    expect(gated.state).toMatchObject({ calls: 1, finished: 1, maxActive: 1 });
  });

  it('runNow runs the step at once, without waiting for the interval', async () => {
    let runs = 0;
    const ticker = new Ticker(60_000, async () => {
      runs += 1;
    }, rethrow);
    ticker.start();
    await ticker.runNow();
    expect(runs).toBe(1);
    await ticker.runNow();
    expect(runs).toBe(2);
    await ticker.stop();
  });

  it('after runNow, waits a full interval before the next run', async () => {
    vi.useFakeTimers();
    const step = vi.fn(async () => {});
    const ticker = new Ticker(100, step, rethrow);
    ticker.start();
    await vi.advanceTimersByTimeAsync(50);
    await ticker.runNow();
    expect(step).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(step).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(step).toHaveBeenCalledTimes(2);
    await ticker.stop();
  });

  it('stop waits for the step in flight', async () => {
    const gated = gatedStep();
    const ticker = new Ticker(1, gated.step, rethrow);
    ticker.start();
    await gated.started(1);
    const stopped = ticker.stop();
    expect(await isSettled(stopped)).toBe(false);
    gated.release(1);
    await stopped;
    expect(gated.state.finished).toBe(1);
  });

  it('runs nothing after stop, even when stopped mid-step', async () => {
    vi.useFakeTimers();
    const gated = gatedStep();
    const ticker = new Ticker(10, gated.step, rethrow);
    ticker.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(gated.state.calls).toBe(1);
    const stopped = ticker.stop();
    gated.release(1);
    await stopped;
    await vi.advanceTimersByTimeAsync(1000);
    expect(gated.state.calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs nothing after stop between steps', async () => {
    vi.useFakeTimers();
    const step = vi.fn(async () => {});
    const ticker = new Ticker(10, step, rethrow);
    ticker.start();
    await vi.advanceTimersByTimeAsync(25);
    expect(step).toHaveBeenCalledTimes(2);
    await ticker.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(step).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runNow after stop does not run the step', async () => {
    const step = vi.fn(async () => {});
    const ticker = new Ticker(10, step, rethrow);
    ticker.start();
    await ticker.stop();
    await ticker.runNow();
    expect(step).not.toHaveBeenCalled();
  });

  it('stop resolves when never started, and twice', async () => {
    const ticker = new Ticker(10, async () => {}, rethrow);
    await ticker.stop();
    await ticker.stop();
  });

  it('starts again after a stop', async () => {
    vi.useFakeTimers();
    const step = vi.fn(async () => {});
    const ticker = new Ticker(10, step, rethrow);
    ticker.start();
    await ticker.stop();
    ticker.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(step).toHaveBeenCalledTimes(1);
    await ticker.stop();
  });
});
