import { describe, expect, it } from 'vitest';
import { boundedText } from './encoding.js';

describe('boundedText', () => {
  it('keeps text that fits, whatever its characters', () => {
    expect(boundedText('short', 64)).toBe('short');
    expect(boundedText('é'.repeat(32), 64)).toBe('é'.repeat(32));
  });

  it('cuts longer text to the limit in UTF-8 bytes, and marks the cut with the full size', () => {
    const cut = boundedText('a'.repeat(1000), 100);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/^a+… \[truncated: 1,000 bytes in all\]$/);
  });

  it('never cuts a character in two', () => {
    const emoji = '😀'.repeat(100);
    const cut = boundedText(emoji, 101);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(101);
    expect(cut.replace(/… \[truncated: 400 bytes in all\]$/, '')).toMatch(/^(😀)+$/u);
  });
});
