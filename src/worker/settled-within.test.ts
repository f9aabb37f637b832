import { describe, expect, it } from 'vitest';
import { settledWithin } from './settled-within.js';

describe('settledWithin', () => {
  it('is true when the promise resolves or rejects in time', async () => {
    expect(await settledWithin(Promise.resolve('done'), 1_000)).toBe(true);
    expect(await settledWithin(Promise.reject(new Error('store down')), 1_000)).toBe(true);
  });

  it('is false when the time runs out first, without waiting for the promise', async () => {
    const started = Date.now();
    expect(await settledWithin(new Promise(() => undefined), 30)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
