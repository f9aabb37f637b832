/**
 * The parts of HTTP downloads that are pure text: a `Range` header read against a size (RFC 9110
 * §14), and a `Content-Disposition` that is safe for any file name (RFC 6266, RFC 8187).
 */
import type { ByteRange } from '../artifacts/backend.js';

/**
 * What a `Range` header asks of a file of `size` bytes:
 * - `whole`: no header, a unit other than bytes, a header that does not parse, or several ranges
 *   (RFC 9110 lets a server ignore Range and answer 200 with everything; several ranges would need
 *   multipart/byteranges, which no client of an artifact needs);
 * - `range`: one satisfiable range, its end cut to the last byte;
 * - `unsatisfiable`: one range that starts past the end (or a suffix of 0 bytes, or any range of an empty file).
 */
export type RangeRequest = { kind: 'whole' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function readRangeHeader(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const match = SINGLE_RANGE.exec(header.trim().replace(/\s+/g, ''));
  if (match === null) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // `bytes=-n`: the last n bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (last !== '' && end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', range: { start, end: Math.min(end, size - 1) } };
}

/**
 * `attachment; filename="…"; filename*=UTF-8''…`: the quoted form for old clients, with anything
 * but printable ASCII replaced and quotes and backslashes dropped, and the encoded form, exact,
 * for every current one (which prefer it).
 *
 * @example
 * contentDisposition('résumé "final".pdf')
 * // attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  // encodeURIComponent leaves ' ( ) * ! unencoded; RFC 8187's attr-char does not allow ' ( ) *.
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
