/**
 * Artifact settings from the environment, for the commands (`serve`, `worker`, `dev`, the client
 * verbs): every process that writes or reads artifacts must agree on where they are and on the key
 * that signs links, so they come from one place.
 */
import { ConveyorConfigError } from '../errors.js';
import { directoryArtifactBackend } from './directory-backend.js';
import { checkPublicUrl, type ArtifactOptions } from './settings.js';
import { checkSigningKey } from './signed-links.js';

export const ARTIFACTS_DIR_SETTING = 'CONVEYOR_ARTIFACTS_DIR';
export const ARTIFACT_SIGNING_KEY_SETTING = 'CONVEYOR_ARTIFACT_SIGNING_KEY';
export const PUBLIC_URL_SETTING = 'CONVEYOR_PUBLIC_URL';
export const ARTIFACT_MAX_BYTES_SETTING = 'CONVEYOR_ARTIFACT_MAX_BYTES';
export const ARTIFACT_MAX_JOB_BYTES_SETTING = 'CONVEYOR_ARTIFACT_MAX_JOB_BYTES';

/**
 * - `CONVEYOR_ARTIFACTS_DIR`: keep artifacts' bytes in this directory (shared by every worker and
 *   server); unset: in the store.
 * - `CONVEYOR_ARTIFACT_SIGNING_KEY`: the secret of signed download links (32+ characters).
 * - `CONVEYOR_PUBLIC_URL`: the address links start with (`https://jobs.example.com`).
 * - `CONVEYOR_ARTIFACT_MAX_BYTES`, `CONVEYOR_ARTIFACT_MAX_JOB_BYTES`: the size limits, in bytes.
 */
export function artifactOptionsFromEnv(env: Record<string, string | undefined>): ArtifactOptions {
  const set = (name: string): string | undefined => (env[name] === undefined || env[name]!.trim() === '' ? undefined : env[name]!.trim());
  const dir = set(ARTIFACTS_DIR_SETTING);
  const options: ArtifactOptions = {};
  if (dir !== undefined) options.backend = directoryArtifactBackend(dir);
  const key = set(ARTIFACT_SIGNING_KEY_SETTING);
  if (key !== undefined) options.signingKey = checkSigningKey(key, ARTIFACT_SIGNING_KEY_SETTING);
  const publicUrl = set(PUBLIC_URL_SETTING);
  if (publicUrl !== undefined) options.publicUrl = checkPublicUrl(publicUrl, PUBLIC_URL_SETTING);
  const maxBytes = bytesSetting(ARTIFACT_MAX_BYTES_SETTING, set(ARTIFACT_MAX_BYTES_SETTING));
  if (maxBytes !== undefined) options.maxBytes = maxBytes;
  const maxJobBytes = bytesSetting(ARTIFACT_MAX_JOB_BYTES_SETTING, set(ARTIFACT_MAX_JOB_BYTES_SETTING));
  if (maxJobBytes !== undefined) options.maxJobBytes = maxJobBytes;
  return options;
}

function bytesSetting(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value) || Number(value) < 1) throw new ConveyorConfigError(name, `must be a whole number of bytes, got ${JSON.stringify(value)}`, '1073741824');
  return Number(value);
}

