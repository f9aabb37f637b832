/** What a bulk action applies to, and how a run's end reads, without a store. */
import { describe, expect, it } from 'vitest';
import { actionStates, bulkSummary } from './bulk-actions.js';

describe('bulk actions', () => {
  it('apply to the filter\'s states they can change, or to all of those when the filter names none', () => {
    expect(actionStates('retry', {})).toEqual(['failed', 'dead', 'cancelled', 'succeeded']);
    expect(actionStates('cancel', {})).toEqual(['waiting', 'scheduled', 'queued', 'running', 'failed']);
    expect(actionStates('delete', {})).toEqual(['succeeded', 'dead', 'cancelled']);
    expect(actionStates('delete', { states: ['running', 'dead'] })).toEqual(['dead']);
    expect(actionStates('retry', { states: ['queued'] })).toEqual([]);
  });

  it('sum a run up with what was skipped', () => {
    expect(bulkSummary('retry', { done: 4213, changed: 4213, skipped: 0 })).toBe('Retried 4,213 jobs.');
    expect(bulkSummary('delete', { done: 3, changed: 1, skipped: 2 })).toBe('Deleted 1 job; 2 jobs skipped (they had moved on, or could not be deleted).');
  });
});
