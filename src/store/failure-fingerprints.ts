/**
 * The fingerprint a failed or dead job is grouped by: that of its latest error, or of a stand-in
 * when it has none recorded. Written by the stores with each error (`jobs.error_fingerprint`) and by
 * `jobs.fingerprintFailures` for jobs that failed before they kept it.
 */
import type { JobAttemptError } from '../job.js';
import { attemptErrorToJson, type AttemptErrorJson } from './encoding.js';
import { fingerprintError, type ErrorFingerprint } from './error-fingerprint.js';

/** What a failed or dead job with no error recorded is grouped as. */
export const NO_ERROR_RECORDED = { message: '(no error recorded)', stack: null } as const;

export function latestErrorFingerprint(latest: Pick<JobAttemptError, 'message' | 'stack'> | undefined | null): ErrorFingerprint {
  return fingerprintError(latest ?? NO_ERROR_RECORDED);
}

/**
 * An error as a store appends it: its JSON (text made storable) and the fingerprint of that JSON, so
 * the fingerprint written is the one a reader computes from the job (`latestErrorFingerprint`).
 */
export function storedError(error: JobAttemptError): { json: AttemptErrorJson; fingerprint: string } {
  const json = attemptErrorToJson(error);
  return { json, fingerprint: fingerprintError(json).fingerprint };
}
