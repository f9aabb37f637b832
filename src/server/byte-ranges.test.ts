/** Range headers read against a size, and Content-Disposition for names no header could carry as they are. */
import { describe, expect, it } from 'vitest';
import { contentDisposition, readRangeHeader } from './byte-ranges.js';

describe('readRangeHeader', () => {
  it('reads one range of each form, cutting its end to the last byte', () => {
    expect(readRangeHeader('bytes=0-0', 10)).toEqual({ kind: 'range', range: { start: 0, end: 0 } });
    expect(readRangeHeader('bytes=3-', 10)).toEqual({ kind: 'range', range: { start: 3, end: 9 } });
    expect(readRangeHeader('bytes=-4', 10)).toEqual({ kind: 'range', range: { start: 6, end: 9 } });
    expect(readRangeHeader('bytes=-40', 10)).toEqual({ kind: 'range', range: { start: 0, end: 9 } });
    expect(readRangeHeader('bytes = 2 - 50', 10)).toEqual({ kind: 'range', range: { start: 2, end: 9 } });
  });

  it('answers the whole file for no header, another unit, nonsense, a backwards range or several ranges', () => {
    for (const header of [undefined, 'items=0-1', 'bytes=abc', 'bytes=-', 'bytes=5-2', 'bytes=0-1,3-4', '']) {
      expect([header, readRangeHeader(header, 10)]).toEqual([header, { kind: 'whole' }]);
    }
  });

  it('is unsatisfiable past the end, for a suffix of zero bytes, and for any range of an empty file', () => {
    expect(readRangeHeader('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(readRangeHeader('bytes=-0', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(readRangeHeader('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(readRangeHeader('bytes=-3', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback without quotes or backslashes, and the exact name percent-encoded', () => {
    expect(contentDisposition('report.csv')).toBe(`attachment; filename="report.csv"; filename*=UTF-8''report.csv`);
    expect(contentDisposition(`a"b\\c 'd' (1)*.txt`)).toBe(`attachment; filename="a_b_c 'd' (1)*.txt"; filename*=UTF-8''a%22b%5Cc%20%27d%27%20%281%29%2A.txt`);
    expect(contentDisposition('日本.pdf')).toBe(`attachment; filename="__.pdf"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf`);
  });
});
