import { describe, expect, it } from 'vitest';
import { childFailureMessage, settleDecision, type FailedChild } from './flow-settling.js';

const now = new Date('2026-12-04T08:00:00Z');
const dead: FailedChild = { id: '12', task: 'scan.upload', state: 'dead', lastErrorMessage: 'virus found' };

describe('settleDecision', () => {
  it("kills a job that fails with its children when one failed, naming it in one error of the job's attempt", () => {
    expect(settleDecision({ id: '10', attempt: 0, onChildFailure: 'fail' }, dead, now)).toEqual({
      kind: 'dead',
      id: '10',
      failedChildId: '12',
      error: { attempt: 0, message: 'Child job 12 (task "scan.upload") ended dead: virus found', stack: null, at: now },
    });
  });

  it("releases a job whose children all succeeded, and one that continues whatever its children did", () => {
    expect(settleDecision({ id: '10', attempt: 0, onChildFailure: 'fail' }, null, now)).toEqual({ kind: 'release', id: '10' });
    expect(settleDecision({ id: '10', attempt: 0, onChildFailure: 'continue' }, dead, now)).toEqual({ kind: 'release', id: '10' });
  });
});

describe('childFailureMessage', () => {
  it('says how a child without an error ended: cancelled before it ran, or dead', () => {
    expect(childFailureMessage({ ...dead, state: 'cancelled', lastErrorMessage: null })).toBe('Child job 12 (task "scan.upload") was cancelled');
    expect(childFailureMessage({ ...dead, lastErrorMessage: null })).toBe('Child job 12 (task "scan.upload") ended dead');
    expect(childFailureMessage({ ...dead, state: 'cancelled', lastErrorMessage: 'Lease expired' })).toBe('Child job 12 (task "scan.upload") ended cancelled: Lease expired');
  });
});
