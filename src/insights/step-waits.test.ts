import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../store/store-records.js';
import { stepWait } from './step-waits.js';

const t = (seconds: number) => new Date(Date.UTC(2026, 11, 4, 8, 0, seconds));

function step(fields: Partial<StepRecord> & Pick<StepRecord, 'name'>): StepRecord {
  return { jobId: '7', kind: 'run', status: 'succeeded', attempt: 1, output: null, error: null, startedAt: t(0), finishedAt: t(1), until: null, event: null, match: null, ...fields };
}

const fetched = step({ name: 'fetch', startedAt: t(0) });
const coolDown = step({ name: 'cool-down', kind: 'sleep', status: 'sleeping', startedAt: t(2), finishedAt: null, until: t(3600) });
const approval = step({ name: 'approval', kind: 'wait', status: 'waiting', startedAt: t(2), finishedAt: null, until: t(86_400), event: 'export.approved', match: '{"exportId":42}' });

describe('stepWait', () => {
  it('names the sleep a scheduled job is in, and until when', () => {
    expect(stepWait({ state: 'scheduled' }, [fetched, coolDown])).toEqual({ kind: 'sleep', step: 'cool-down', until: t(3600) });
  });

  it('names the event a scheduled job waits for, its match and its deadline', () => {
    expect(stepWait({ state: 'scheduled' }, [fetched, approval])).toEqual({ kind: 'wait', step: 'approval', event: 'export.approved', match: '{"exportId":42}', deadline: t(86_400) });
    expect(stepWait({ state: 'scheduled' }, [{ ...approval, match: null }])).toMatchObject({ kind: 'wait', match: null });
  });

  it('finds the sleeping step when a step of the same millisecond is listed after it by name', () => {
    expect(stepWait({ state: 'scheduled' }, [{ ...coolDown, startedAt: t(0) }, { ...fetched, name: 'zip' }])).toMatchObject({ kind: 'sleep', step: 'cool-down' });
  });

  it('is null for a job in another state, even with a step still sleeping or waiting', () => {
    for (const state of ['queued', 'running', 'cancelled', 'succeeded', 'failed', 'dead', 'waiting'] as const) {
      expect(stepWait({ state }, [fetched, coolDown]), state).toBeNull();
      expect(stepWait({ state }, [approval]), state).toBeNull();
    }
  });

  it('is null for a scheduled job whose steps all finished, or that has none (a delay, a snooze, a backoff)', () => {
    expect(stepWait({ state: 'scheduled' }, [])).toBeNull();
    expect(stepWait({ state: 'scheduled' }, [fetched, { ...coolDown, status: 'succeeded', finishedAt: t(3600) }, { ...approval, status: 'timed-out', finishedAt: t(86_400) }])).toBeNull();
    expect(stepWait({ state: 'scheduled' }, [step({ name: 'flaky', status: 'failed', error: { attempt: 1, message: 'boom', stack: null, at: t(1) } })])).toBeNull();
  });
});
