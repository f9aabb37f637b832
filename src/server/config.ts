/**
 * Server settings read from the environment, checked once at start-up with errors that name the
 * variable and show a right value (F7).
 */
import { ConveyorConfigError } from '../errors.js';

export const API_TOKENS_SETTING = 'CONVEYOR_API_TOKENS';

/** Short tokens can be guessed; 16 characters of `openssl rand -hex 32` output are the floor, not the goal. */
export const MIN_TOKEN_LENGTH = 16;

const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]+$/;
const TOKENS_EXAMPLE = `${API_TOKENS_SETTING}=$(openssl rand -hex 32) (several: token-a,token-b)`;

/**
 * Parse `CONVEYOR_API_TOKENS`: bearer tokens separated by commas. Each is at least
 * {@link MIN_TOKEN_LENGTH} characters of the RFC 6750 token alphabet, and none is listed twice.
 *
 * @example parseApiTokens(process.env.CONVEYOR_API_TOKENS) // ['3f9c…', '8a01…']
 */
export function parseApiTokens(value: string | undefined, setting: string = API_TOKENS_SETTING): string[] {
  if (value === undefined || value.trim() === '') {
    throw new ConveyorConfigError(setting, 'is not set; the HTTP API refuses to run without at least one bearer token', TOKENS_EXAMPLE);
  }
  const tokens = value.split(',').map((token) => token.trim());
  const seen = new Set<string>();
  for (const [index, token] of tokens.entries()) {
    const where = `token ${index + 1} of ${tokens.length}`;
    if (token === '') throw new ConveyorConfigError(setting, `has an empty entry (${where}); separate tokens with single commas`, TOKENS_EXAMPLE);
    if (!TOKEN_PATTERN.test(token)) {
      throw new ConveyorConfigError(setting, `${where} has a character outside letters, digits and . _ ~ + / = -`, TOKENS_EXAMPLE);
    }
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new ConveyorConfigError(setting, `${where} is ${token.length} characters; tokens need at least ${MIN_TOKEN_LENGTH}`, TOKENS_EXAMPLE);
    }
    if (seen.has(token)) throw new ConveyorConfigError(setting, `lists ${where} twice; remove the duplicate`, TOKENS_EXAMPLE);
    seen.add(token);
  }
  return tokens;
}
