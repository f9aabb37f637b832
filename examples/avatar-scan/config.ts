/**
 * The avatar-scan example's settings, read from the environment in one place, so the worker, the
 * HTTP server (`conveyor serve`, which loads the same tasks module) and the app agree on them.
 *
 * - `AVATAR_CLAMD_URL`: where clamd listens, `tcp://host:port` (default `tcp://127.0.0.1:3310`).
 * - `AVATAR_DATA_DIR`: the folder holding uploads and their published records
 *   (default `./.conveyor/avatar-scan`, relative to the working directory).
 */
import { resolve } from 'node:path';
import type { ClamdAddress } from './clamav/instream.js';

export const CLAMD_URL_SETTING = 'AVATAR_CLAMD_URL';
export const DATA_DIR_SETTING = 'AVATAR_DATA_DIR';

export const DEFAULT_CLAMD_URL = 'tcp://127.0.0.1:3310';
export const DEFAULT_DATA_DIR = './.conveyor/avatar-scan';

/** The largest upload the app accepts: 5 MiB. clamd's own StreamMaxLength (25M in clamd-process.ts) is above it. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** The thumbnails the resize step makes, as square WebP images of these widths. */
export const THUMBNAIL_SIZES = [64, 128, 256] as const;

export interface AvatarConfig {
  clamdUrl: string;
  clamd: ClamdAddress;
  dataDir: string;
}

/** Read the settings from `env`; throws naming the variable when one is malformed. */
export function readAvatarConfig(env: NodeJS.ProcessEnv = process.env): AvatarConfig {
  const clamdUrl = env[CLAMD_URL_SETTING] ?? DEFAULT_CLAMD_URL;
  return {
    clamdUrl,
    clamd: parseClamdUrl(clamdUrl),
    dataDir: resolve(env[DATA_DIR_SETTING] ?? DEFAULT_DATA_DIR),
  };
}

/** `tcp://host:port` → `{ host, port }`; clamd is reached over TCP only (the worker may run elsewhere). */
export function parseClamdUrl(url: string): ClamdAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${CLAMD_URL_SETTING} must be a URL like ${DEFAULT_CLAMD_URL}, got ${JSON.stringify(url)}`);
  }
  const port = Number(parsed.port);
  if (parsed.protocol !== 'tcp:' || parsed.hostname === '' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${CLAMD_URL_SETTING} must be tcp://<host>:<port> with a port from 1 to 65535 (like ${DEFAULT_CLAMD_URL}), got ${JSON.stringify(url)}`);
  }
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}
