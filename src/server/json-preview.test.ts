/** `jsonPreview`: the start of the JSON text, in time bounded by the preview's length. */
import { describe, expect, it } from 'vitest';
import { jsonPreview } from './json-preview.js';

describe('jsonPreview', () => {
  it('is the compact JSON text when it fits', () => {
    const value = { to: 'ada@example.com', tags: ['a', 1, true, null], nested: { deep: [{ x: 'é"\n' }] } };
    expect(jsonPreview(value, 1000)).toBe(JSON.stringify(value));
    expect(jsonPreview('plain')).toBe('"plain"');
    expect(jsonPreview(null)).toBe('null');
  });

  it('cuts to the limit and marks the cut, at any depth', () => {
    const value = { to: 'ada@example.com', body: 'x'.repeat(1000), list: Array.from({ length: 1000 }, (_, n) => n) };
    for (const max of [1, 10, 40, 200]) expect(jsonPreview(value, max)).toBe(`${JSON.stringify(value).slice(0, max)}…`);
    expect(jsonPreview(Array.from({ length: 1000 }, (_, n) => ({ n })), 30)).toBe(`${JSON.stringify(Array.from({ length: 1000 }, (_, n) => ({ n }))).slice(0, 30)}…`);
  });

  it('takes no longer for a value of 50 MB than for a small one', () => {
    const huge = { blob: 'y'.repeat(50_000_000), more: Array.from({ length: 1_000_000 }, () => 'z') };
    const started = performance.now();
    for (let n = 0; n < 1000; n++) jsonPreview(huge, 200);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('survives nesting deeper than the stack would allow a naive walk', () => {
    let deep: unknown = 'bottom';
    for (let n = 0; n < 100_000; n++) deep = [deep];
    expect(jsonPreview(deep, 10)).toBe('[[[[[[[[[[…');
  });
});
