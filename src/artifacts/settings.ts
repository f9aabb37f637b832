/** Artifact settings: where the bytes go, how big they may be, and the key that signs download links. */
import { checkInteger } from '../config.js';
import { ConveyorConfigError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ArtifactBackend } from './backend.js';
import { checkSigningKey } from './signed-links.js';
import { storeArtifactBackend } from './store-backend.js';

export interface ArtifactOptions {
  /** Where artifacts' bytes live. @default the store itself (`storeArtifactBackend`) */
  backend?: ArtifactBackend;
  /** The largest artifact, in bytes. @default 2 GiB */
  maxBytes?: number;
  /** The most bytes one attempt of a job may write, all its artifacts together. @default 10 GiB */
  maxJobBytes?: number;
  /** The secret signed download links are signed with (at least 32 characters); `url()` needs it. */
  signingKey?: string;
  /** The address signed links start with, e.g. `https://jobs.example.com`; `url()` without it returns a path. */
  publicUrl?: string;
}

export interface ArtifactSettings {
  backend: ArtifactBackend;
  maxBytes: number;
  maxJobBytes: number;
  signingKey: string | null;
  publicUrl: string | null;
}

export const DEFAULT_MAX_ARTIFACT_BYTES = 2 * 1024 ** 3;
export const DEFAULT_MAX_JOB_ARTIFACT_BYTES = 10 * 1024 ** 3;

export function resolveArtifactSettings(options: ArtifactOptions | undefined, store: Store, where: string): ArtifactSettings {
  const given = options ?? {};
  if (given.backend !== undefined && (typeof given.backend !== 'object' || typeof given.backend.write !== 'function' || typeof given.backend.read !== 'function')) {
    throw new ConveyorConfigError(`${where}.backend`, 'is not an artifact backend', "directoryArtifactBackend('/mnt/shared/artifacts')");
  }
  const maxBytes = checkInteger(`${where}.maxBytes`, given.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES, 1, Number.MAX_SAFE_INTEGER, 104_857_600);
  const maxJobBytes = checkInteger(`${where}.maxJobBytes`, given.maxJobBytes ?? Math.max(DEFAULT_MAX_JOB_ARTIFACT_BYTES, maxBytes), 1, Number.MAX_SAFE_INTEGER, 1_073_741_824);
  const publicUrl = given.publicUrl === undefined ? null : checkPublicUrl(given.publicUrl, `${where}.publicUrl`);
  return {
    backend: given.backend ?? storeArtifactBackend(store.artifactChunks),
    maxBytes,
    maxJobBytes,
    signingKey: given.signingKey === undefined ? null : checkSigningKey(given.signingKey, `${where}.signingKey`),
    publicUrl,
  };
}

/** An http(s) URL, without its trailing slashes. */
export function checkPublicUrl(value: unknown, setting: string): string {
  if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new ConveyorConfigError(setting, `must be an http(s) URL, got ${JSON.stringify(value)}`, 'https://jobs.example.com');
  }
  return value.replace(/\/+$/, '');
}
