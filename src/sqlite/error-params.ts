/** An error as the SQLite statements that append one to a job take it (`@error`, `@errorFingerprint`). */
import type { JobAttemptError } from '../job.js';
import { attemptErrorToJson } from '../store/encoding.js';
import { errorFingerprintOf } from '../store/error-fingerprint.js';

/** Its JSON text, appended with json_insert(errors, '$[#]', …), and its fingerprint, the job's error_fingerprint from then on. */
export function errorParams(error: JobAttemptError): { error: string; errorFingerprint: string } {
  // The fingerprint of the error as stored (text made storable), as a reader computes it from the job.
  const stored = attemptErrorToJson(error);
  return { error: JSON.stringify(stored), errorFingerprint: errorFingerprintOf(stored) };
}
