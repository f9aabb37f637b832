/**
 * The EICAR anti-virus test file: 68 harmless bytes that every scanner agrees to report, so a test
 * can prove a scanner really finds something without handling real malware.
 *
 * The string is kept in two halves and joined at run time, so that this source file (and a checkout
 * of it) does not itself look like the test file to a scanner watching the disk. The shipped
 * `test-signatures.hdb` holds only its MD5 and size, never the bytes.
 */

const FIRST_HALF = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR';
const SECOND_HALF = '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/** The 68 EICAR bytes, exactly (a trailing newline would change the MD5 our hash signature matches). */
export function eicarBytes(): Uint8Array {
  return new TextEncoder().encode(FIRST_HALF + SECOND_HALF);
}
