import { describe, expect, it } from 'vitest';
import { WakeSignal } from './wake-signal.js';

describe('WakeSignal', () => {
  it('a request cuts a sleep short', async () => {
    const signal = new WakeSignal();
    const started = Date.now();
    const sleeping = signal.sleep(60_000);
    signal.request();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('remembers a request made while nobody sleeps, until reset', () => {
    const signal = new WakeSignal();
    expect(signal.pending).toBe(false);
    signal.request();
    expect(signal.pending).toBe(true);
    signal.reset();
    expect(signal.pending).toBe(false);
  });

  it('a sleep ends by itself after its time', async () => {
    const signal = new WakeSignal();
    await signal.sleep(5);
    expect(signal.pending).toBe(false);
  });
});
