/**
 * The strength floor for API tokens, checked at start-up. A token is refused when it is shorter than
 * {@link MIN_TOKEN_LENGTH}, has fewer than {@link MIN_TOKEN_DISTINCT_CHARACTERS} distinct characters
 * (`aaaaaaaaaaaaaaaa`, `abababab…`), or holds under {@link MIN_TOKEN_BITS} bits by a character-class
 * estimate: length × log2 of the alphabet its classes span (lower case 26, upper case 26, digits 10,
 * the symbols `. _ ~ + / = -` 7), so 16 digits (53 bits) are refused and 16 hex digits (83) pass.
 *
 * The estimate is an upper bound: it catches placeholders and typing, not every weak choice (a
 * dictionary word with digits passes). Random tokens pass with room to spare; make one with
 * `openssl rand -hex 32`.
 */

/** Shortest token accepted. */
export const MIN_TOKEN_LENGTH = 16;
/** Fewest distinct characters a token may have. */
export const MIN_TOKEN_DISTINCT_CHARACTERS = 8;
/** Least estimated strength, in bits: about what a guesser at a million tries a second needs 500,000 years for. */
export const MIN_TOKEN_BITS = 64;

/** How to make a good token, for error messages. */
export const TOKEN_RECIPE = 'the output of `openssl rand -hex 32`';

const CHARACTER_CLASSES: ReadonlyArray<{ pattern: RegExp; size: number }> = [
  { pattern: /[a-z]/, size: 26 },
  { pattern: /[A-Z]/, size: 26 },
  { pattern: /[0-9]/, size: 10 },
  { pattern: /[^a-zA-Z0-9]/, size: 7 },
];

/** Bits of a token by the character-class estimate (see the module comment). */
export function estimatedTokenBits(token: string): number {
  const alphabet = CHARACTER_CLASSES.reduce((size, characterClass) => (characterClass.pattern.test(token) ? size + characterClass.size : size), 0);
  return alphabet === 0 ? 0 : [...token].length * Math.log2(alphabet);
}

/**
 * What makes `token` too weak, as the end of a sentence ("is 12 characters; …"), or null when it is
 * strong enough. The message never contains the token.
 *
 * @example tokenWeakness('aaaaaaaaaaaaaaaa') // 'has only 1 distinct character(s); tokens need at least 8'
 */
export function tokenWeakness(token: string): string | null {
  const length = [...token].length;
  if (length < MIN_TOKEN_LENGTH) return `is ${length} characters; tokens need at least ${MIN_TOKEN_LENGTH}`;
  const distinct = new Set(token).size;
  if (distinct < MIN_TOKEN_DISTINCT_CHARACTERS) return `has only ${distinct} distinct character(s); tokens need at least ${MIN_TOKEN_DISTINCT_CHARACTERS}`;
  const bits = estimatedTokenBits(token);
  if (bits < MIN_TOKEN_BITS) {
    return `is too easy to guess (about ${Math.floor(bits)} bits for its length and characters; tokens need ${MIN_TOKEN_BITS}): make it longer or mix letters and digits`;
  }
  return null;
}
