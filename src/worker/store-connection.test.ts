import { describe, expect, it } from 'vitest';
import { ConveyorError } from '../errors.js';
import { captureLogger } from '../testing/capture-logger.js';
import { REPORT_WINDOW_MIN_MS, STORE_CONNECTION_LOG, StoreConnectionTracker, type StoreConnectionStatus } from './store-connection.js';

const LOST = 'store unreachable; retrying with backoff, running jobs go on';
const BACK = 'store reachable again';

function setUp() {
  const logger = captureLogger();
  const changes: Array<{ status: StoreConnectionStatus; previous: StoreConnectionStatus }> = [];
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const tracker = new StoreConnectionTracker(logger, (status, previous) => changes.push({ status, previous }), () => new Date(clock));
  const advance = (ms: number) => (clock += ms);
  return { logger, changes, tracker, advance };
}

const fail = (message: string) => () => Promise.reject(new Error(message));
const succeed = () => Promise.resolve('ok');

/** A call that settles when the test says so. */
function pendingCall() {
  let settle!: (ok: boolean) => void;
  const call = () => new Promise<string>((resolve, reject) => (settle = (ok) => (ok ? resolve('late') : reject(new Error('late failure')))));
  return { call, settle: (ok: boolean) => settle(ok) };
}

describe('StoreConnectionTracker', () => {
  it('starts connected, and passes results and errors through', async () => {
    const { tracker, changes } = setUp();
    expect(tracker.status).toEqual({ state: 'connected', since: new Date('2026-01-01T00:00:00Z'), lastError: null });
    await expect(tracker.observe('claiming jobs', succeed)).resolves.toBe('ok');
    await expect(tracker.observe('claiming jobs', fail('connect ECONNREFUSED'))).rejects.toThrow('connect ECONNREFUSED');
    expect(changes).toHaveLength(1);
  });

  it('reports a loss once, however many calls fail, and keeps the latest error', async () => {
    const { tracker, changes, logger, advance } = setUp();
    advance(1_000);
    await tracker.observe('heartbeat', fail('Connection terminated unexpectedly')).catch(() => undefined);
    advance(500);
    await tracker.observe('claiming jobs', fail('connect ECONNREFUSED 127.0.0.1:5432')).catch(() => undefined);
    await tracker.observe('recording job outcomes', fail('connect ECONNREFUSED 127.0.0.1:5432')).catch(() => undefined);

    expect(tracker.status).toEqual({ state: 'unreachable', since: new Date('2026-01-01T00:00:01Z'), lastError: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(changes.map((change) => change.status.state)).toEqual(['unreachable']);
    expect(changes[0]?.previous.state).toBe('connected');
    const lost = logger.find(LOST, 'error');
    expect(lost).toHaveLength(1);
    expect(lost[0]?.fields).toMatchObject({ step: 'heartbeat' });
    expect((lost[0]?.fields.err as Error).message).toBe('Connection terminated unexpectedly');
    expect(logger.lines.filter((line) => line.level === 'error' || line.level === 'warn')).toHaveLength(1);
    expect(logger.lines.filter((line) => line.level === 'debug')).toHaveLength(2);
  });

  it('reports a recovery once, with how long the store was down and why', async () => {
    const { tracker, changes, logger, advance } = setUp();
    await tracker.observe('heartbeat', fail('Connection terminated unexpectedly')).catch(() => undefined);
    advance(4_200);
    await tracker.observe('heartbeat', succeed);
    await tracker.observe('claiming jobs', succeed);

    expect(tracker.status).toEqual({ state: 'connected', since: new Date('2026-01-01T00:00:04.200Z'), lastError: null });
    expect(changes.map((change) => change.status.state)).toEqual(['unreachable', 'connected']);
    expect(changes[1]?.previous).toMatchObject({ state: 'unreachable', lastError: 'Connection terminated unexpectedly' });
    expect(logger.find(BACK, 'info')).toEqual([expect.objectContaining({ fields: { downMs: 4_200, lastError: 'Connection terminated unexpectedly' } })]);
  });

  it('ignores a success of a call that began before the loss was noticed', async () => {
    const { tracker, changes } = setUp();
    const slow = pendingCall();
    const slowDone = tracker.observe('claiming jobs', slow.call);
    await tracker.observe('heartbeat', fail('read ECONNRESET')).catch(() => undefined);
    slow.settle(true);
    await slowDone;
    expect(tracker.status.state).toBe('unreachable');
    expect(changes).toHaveLength(1);
  });

  it('ignores a failure of a call that began before the recovery', async () => {
    const { tracker, changes, advance } = setUp();
    await tracker.observe('heartbeat', fail('read ECONNRESET')).catch(() => undefined);
    advance(REPORT_WINDOW_MIN_MS);
    const slow = pendingCall();
    const slowDone = tracker.observe('claiming jobs', slow.call).catch(() => undefined);
    await tracker.observe('heartbeat', succeed);
    slow.settle(false);
    await slowDone;
    expect(tracker.status.state).toBe('connected');
    expect(changes.map((change) => change.status.state)).toEqual(['unreachable', 'connected']);
  });

  it('hands out a status that later changes do not alter', async () => {
    const { tracker } = setUp();
    const before = tracker.status;
    await tracker.observe('heartbeat', fail('down')).catch(() => undefined);
    expect(before.state).toBe('connected');
    expect(Object.isFrozen(tracker.status)).toBe(true);
  });

  it('reports the changes of a flapping store at most once per window, doubling the window while it flaps', async () => {
    const { tracker, changes, logger, advance } = setUp();
    // Every other call fails, 100 ms apart, for 10 s: 100 changes of state.
    for (let call = 0; call < 100; call++) {
      await tracker.observe('heartbeat', call % 2 === 0 ? fail('database or disk is full') : succeed).catch(() => undefined);
      advance(100);
    }
    const reports = logger.lines.filter((line) => line.level !== 'debug');
    // At 0 s (loss), then windows of 1, 2 and 4 s: reports at about 1, 3 and 7 s.
    expect(reports).toHaveLength(4);
    expect(reports[0]).toMatchObject({ message: STORE_CONNECTION_LOG.lost });
    expect(reports.slice(1).every((line) => typeof line.fields.changes === 'number' && line.fields.changes > 1)).toBe(true);
    expect(changes.length).toBeLessThanOrEqual(reports.length);
    // The status itself is always the truth: the latest call succeeded.
    expect(tracker.status.state).toBe('connected');
  });

  it('backs off a step on its own failures only, from its base interval', async () => {
    const { tracker } = setUp();
    expect(tracker.retryDelayMs('maintenance', 1_000)).toBe(1_000);
    for (let failures = 0; failures < 4; failures++) await tracker.observe('maintenance', fail('SQLITE_FULL')).catch(() => undefined);
    await tracker.observe('heartbeat', succeed);
    expect(tracker.retryDelayMs('maintenance', 1_000)).toBeGreaterThan(1_000);
    expect(tracker.retryDelayMs('heartbeat', 1_000)).toBe(1_000);
    await tracker.observe('maintenance', succeed);
    expect(tracker.retryDelayMs('maintenance', 1_000)).toBe(1_000);
  });

  it("does not count a failure in Conveyor's own code as an outage: logged once per step and message, and its step backs off", async () => {
    const { tracker, changes, logger } = setUp();
    const bug = () => Promise.reject(new ConveyorError('SQLite returned no row for the job it inserted.'));
    for (let n = 0; n < 3; n++) await expect(tracker.observe('firing schedules', bug)).rejects.toThrow('no row');
    expect(tracker.status.state).toBe('connected');
    expect(changes).toEqual([]);
    expect(logger.find(STORE_CONNECTION_LOG.bug, 'error')).toHaveLength(1);
    expect(logger.find(STORE_CONNECTION_LOG.lost)).toEqual([]);
    expect(tracker.retryDelayMs('firing schedules', 250)).toBeGreaterThan(250);
    await tracker.observe('firing schedules', succeed);
    expect(tracker.retryDelayMs('firing schedules', 250)).toBe(250);
  });

});
