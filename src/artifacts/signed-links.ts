/**
 * Signed download links: `/artifacts/{jobId}/{name}?expires=<ms>&signature=<hex>`, where the
 * signature is an HMAC-SHA256, under a key from the server's configuration, of the job id, the
 * artifact's name and the expiry. The link works without the API token until it expires; changing
 * any part of it breaks the signature. Compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConveyorConfigError } from '../errors.js';

/** The path prefix of signed links, outside the API's token check. */
export const SIGNED_LINK_PREFIX = '/artifacts';
export const MIN_SIGNING_KEY_LENGTH = 32;

export type LinkCheck = { valid: true } | { valid: false; reason: 'expired' | 'tampered' };

export function checkSigningKey(key: unknown, setting: string): string {
  if (typeof key !== 'string' || key.length < MIN_SIGNING_KEY_LENGTH) {
    throw new ConveyorConfigError(setting, `must be a secret of at least ${MIN_SIGNING_KEY_LENGTH} characters, got ${typeof key === 'string' ? `${key.length}` : typeof key}`, '$(openssl rand -hex 32)');
  }
  return key;
}

function signature(key: string, jobId: string, name: string, expiresAt: number): Buffer {
  // NUL separates the fields: neither a job id nor a name can hold one.
  return createHmac('sha256', key).update(`conveyor-artifact\u0000${jobId}\u0000${name}\u0000${expiresAt}`).digest();
}

/** The path and query of a link to the artifact valid until `expiresAt` (ms since the epoch). */
export function signedLinkPath(key: string, jobId: string, name: string, expiresAt: number): string {
  return `${SIGNED_LINK_PREFIX}/${encodeURIComponent(jobId)}/${encodeURIComponent(name)}?expires=${expiresAt}&signature=${signature(key, jobId, name, expiresAt).toString('hex')}`;
}

/** Whether a link's parts carry a valid signature and it has not expired at `now`; a bad signature is `tampered` even when also expired. */
export function checkSignedLink(key: string, link: { jobId: string; name: string; expires: string | undefined; signature: string | undefined }, now: number): LinkCheck {
  const expiresAt = Number(link.expires);
  if (link.expires === undefined || !/^\d{1,15}$/.test(link.expires) || link.signature === undefined || !/^[0-9a-f]{64}$/.test(link.signature)) return { valid: false, reason: 'tampered' };
  const expected = signature(key, link.jobId, link.name, expiresAt);
  if (!timingSafeEqual(expected, Buffer.from(link.signature, 'hex'))) return { valid: false, reason: 'tampered' };
  return expiresAt <= now ? { valid: false, reason: 'expired' } : { valid: true };
}
