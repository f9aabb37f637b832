import { describe, expect, it } from 'vitest';
import { STORE_RETRY_MAX_MS, storeRetryDelayMs } from './store-retry.js';

describe('storeRetryDelayMs', () => {
  it('doubles from the initial delay, then stays at the cap', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4].map((failures) => storeRetryDelayMs(failures, 40, noJitter))).toEqual([40, 80, 160, 320]);
    expect(storeRetryDelayMs(30, 40, noJitter)).toBe(STORE_RETRY_MAX_MS);
    expect(storeRetryDelayMs(1, 60_000, noJitter)).toBe(STORE_RETRY_MAX_MS);
  });

  it('draws up to half of each delay at random, never more', () => {
    const almostOne = () => 0.999_999;
    expect(storeRetryDelayMs(3, 100, almostOne)).toBe(200);
    expect(storeRetryDelayMs(30, 100, almostOne)).toBe(STORE_RETRY_MAX_MS / 2);
    for (let failures = 1; failures <= 12; failures++) {
      const ceiling = Math.min(STORE_RETRY_MAX_MS, 50 * 2 ** (failures - 1));
      for (let i = 0; i < 50; i++) {
        const delay = storeRetryDelayMs(failures, 50);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('spreads workers that failed together: their delays differ', () => {
    const delays = new Set(Array.from({ length: 20 }, () => storeRetryDelayMs(6, 100)));
    expect(delays.size).toBeGreaterThan(5);
  });
});
