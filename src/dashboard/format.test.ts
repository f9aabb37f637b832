import { describe, expect, it } from 'vitest';
import { formatDuration } from './format.js';

describe('formatDuration', () => {
  it('writes a duration in the largest units that read at a glance', () => {
    expect([0, 840, 4_200, 185_000, 7_800_000, 273_600_000].map(formatDuration)).toEqual(['0 ms', '840 ms', '4.2 s', '3 min 5 s', '2 h 10 min', '3 d 4 h']);
  });
});
