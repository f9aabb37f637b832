import { describe, expect, it } from 'vitest';
import { leaseExpiredError, leaseRecoveryUpdate, type ExpiredLease } from './lease-recovery.js';

const now = new Date('2026-12-04T08:00:00Z');
const lease = (overrides: Partial<ExpiredLease> = {}): ExpiredLease => ({ id: '7', attempt: 1, maxAttempts: 3, workerId: 'w-1', cancelRequested: false, ...overrides });

describe('leaseRecoveryUpdate', () => {
  it('queues the job again while it has attempts left, fenced by the expired attempt and worker', () => {
    expect(leaseRecoveryUpdate(lease(), now)).toEqual({ kind: 'requeued', id: '7', attempt: 1, workerId: 'w-1', at: now, error: leaseExpiredError('w-1', 1, now) });
  });

  it('kills the job on its last attempt, and cancels it when a cancel was requested, whatever its attempts', () => {
    expect(leaseRecoveryUpdate(lease({ attempt: 3 }), now).kind).toBe('dead');
    expect(leaseRecoveryUpdate(lease({ attempt: 4 }), now).kind).toBe('dead');
    expect(leaseRecoveryUpdate(lease({ cancelRequested: true }), now).kind).toBe('cancelled');
    expect(leaseRecoveryUpdate(lease({ attempt: 3, cancelRequested: true }), now).kind).toBe('cancelled');
  });

  it('records which worker stopped renewing which attempt', () => {
    expect(leaseExpiredError('w-9', 2, now)).toEqual({ attempt: 2, message: expect.stringMatching(/worker w-9 .*attempt 2/), stack: null, at: now });
  });
});
