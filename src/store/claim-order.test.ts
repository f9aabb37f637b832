import { describe, expect, it } from 'vitest';
import { claimOrderSql, sortByClaimOrder } from './claim-order.js';

describe('claim order', () => {
  it('sorts highest priority first, then oldest runAt, then lowest id, without changing the input', () => {
    const rows = [
      { id: 4, priority: 0, runAt: 10 },
      { id: 3, priority: 5, runAt: 30 },
      { id: 2, priority: 0, runAt: 10 },
      { id: 1, priority: 0, runAt: 20 },
    ];
    expect(sortByClaimOrder(rows, (row) => row).map((row) => row.id)).toEqual([3, 2, 4, 1]);
    expect(rows.map((row) => row.id)).toEqual([4, 3, 2, 1]);
  });

  it('writes the same order as SQL, matching the claim index (queue, priority DESC, run_at, id)', () => {
    expect(claimOrderSql()).toBe('priority DESC, run_at, id');
    expect(claimOrderSql('candidate')).toBe('candidate.priority DESC, candidate.run_at, candidate.id');
  });
});
