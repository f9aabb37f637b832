/** An error as the SQLite statements that append one to a job take it (`@error`, `@errorFingerprint`). */
import type { JobAttemptError } from '../job.js';
import { storedError } from '../store/failure-fingerprints.js';

/** Its JSON text, appended with json_insert(errors, '$[#]', …), and its fingerprint, the job's error_fingerprint from then on. */
export function errorParams(error: JobAttemptError): { error: string; errorFingerprint: string } {
  const { json, fingerprint } = storedError(error);
  return { error: JSON.stringify(json), errorFingerprint: fingerprint };
}
