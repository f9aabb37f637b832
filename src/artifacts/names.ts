/** What an artifact may be called, and its content type when the handler gives none. */
import { getMimeType } from 'hono/utils/mime';
import { ConveyorArtifactError } from '../errors.js';

export const MAX_ARTIFACT_NAME_BYTES = 255;
const EXAMPLE = "'report-2026-01.csv'";

/** A file name: 1 to 255 bytes of UTF-8, no `/` or `\`, not `.` or `..`, no control characters. */
export function checkArtifactName(name: unknown, where: string): string {
  const problem = nameProblem(name);
  if (problem !== null) throw new ConveyorArtifactError(`${where}: the artifact name ${JSON.stringify(name)} ${problem}; give a file name such as ${EXAMPLE}`);
  return name as string;
}

/** Why `name` cannot be an artifact's name, or null when it can. */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'is not a string';
  if (name === '') return 'is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_ARTIFACT_NAME_BYTES) return `is longer than ${MAX_ARTIFACT_NAME_BYTES} bytes`;
  if (name.includes('/') || name.includes('\\')) return 'has a path separator (artifacts have names, not paths)';
  if (name === '.' || name === '..') return 'is a directory reference';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'has a control character';
  return null;
}

/** `text/csv; charset=utf-8` for `a.csv`; `application/octet-stream` for an extension nobody knows. */
export function contentTypeFor(name: string): string {
  return getMimeType(name) ?? 'application/octet-stream';
}
