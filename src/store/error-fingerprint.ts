/**
 * Error fingerprints: what makes two failures "the same error", so a thousand dead jobs from one bug
 * show as one group. A fingerprint is a digest of the error type, the message with its variable
 * parts replaced by placeholders, and the top stack frame without line and column. Conveyor stores
 * each attempt's error as `{ attempt, message, stack, at }`; the type is the first token of the
 * stack's first line (`TypeError: …` → `TypeError`), or `Error` without a stack.
 *
 * @example
 * normaliseMessage('User 42 not found (id "a1b2", req 3f2c9e7a-0b1d-4c55-9a8e-1f2e3d4c5b6a)')
 * // 'User <n> not found (id "<str>", req <uuid>)'
 */
import { createHash } from 'node:crypto';

export interface ErrorFingerprint {
  /** 16 hex characters; the same for every error of the same type, normalised message and top frame. */
  fingerprint: string;
  type: string;
  /** The message with numbers, UUIDs, hex ids and quoted strings replaced by `<n>`, `<uuid>`, `<hex>`, `<str>`. */
  message: string;
  /** The first `at …` line of the stack without `at`, line and column; null without a stack. */
  topFrame: string | null;
}

/** The longest normalised message kept; longer ones are cut (and still group together). */
const MAX_MESSAGE_LENGTH = 500;

/** A quoted string, backslash escapes included, that starts and ends outside a word (so `can't … job's` is no quote). */
const QUOTED = [/(?<!\w)"(?:[^"\\\n]|\\.){0,300}"(?!\w)/g, /(?<!\w)'(?:[^'\\\n]|\\.){0,300}'(?!\w)/g, /(?<!\w)`(?:[^`\\\n]|\\.){0,300}`(?!\w)/g];
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const HEX_LITERAL = /\b0x[0-9a-f]+\b/gi;
/** Eight or more hex digits mixing letters and digits: object ids, digests, request ids. */
const HEX_ID = /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi;
/** Digits not glued to a preceding letter (`utf8`, `v2` stay), with any decimal parts: `42`, `1.5`, `10.0.0.1`, `30000` in `30000ms`. */
const NUMBER = /(?<![A-Za-z_<])\d+(?:\.\d+)*/g;

export function normaliseMessage(message: string): string {
  let text = message;
  for (const quoted of QUOTED) text = text.replace(quoted, (match) => `${match[0]}<str>${match[0]}`);
  text = text.replace(UUID, '<uuid>').replace(HEX_LITERAL, '<hex>').replace(HEX_ID, '<hex>').replace(NUMBER, '<n>');
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_MESSAGE_LENGTH ? text.slice(0, MAX_MESSAGE_LENGTH) : text;
}

/** `TypeError` from `TypeError: Cannot read…`; `Error` when the stack is missing or starts otherwise. */
export function errorType(stack: string | null): string {
  const firstLine = stack?.split('\n', 1)[0]?.trim() ?? '';
  const match = /^([A-Za-z_$][\w$]*)(?=:|\s\[|$)/.exec(firstLine);
  return match?.[1] ?? 'Error';
}

/** `Object.run (/app/src/tasks.ts)` from `    at Object.run (file:///app/src/tasks.ts:12:9)`. */
export function topStackFrame(stack: string | null): string | null {
  const line = stack?.split('\n').find((candidate) => /^\s*at\s/.test(candidate));
  if (line === undefined) return null;
  return line
    .trim()
    .replace(/^at\s+/, '')
    .replace(/file:\/\//g, '')
    .replace(/:\d+(?::\d+)?(?=\)?$)/, '');
}

export function fingerprintError(error: { message: string; stack: string | null }): ErrorFingerprint {
  const type = errorType(error.stack);
  const message = normaliseMessage(error.message);
  const topFrame = topStackFrame(error.stack);
  const fingerprint = createHash('sha256').update(`${type}\n${message}\n${topFrame ?? ''}`).digest('hex').slice(0, 16);
  return { fingerprint, type, message, topFrame };
}

/** Whether a string has the shape of a fingerprint (16 lowercase hex characters). */
export function isFingerprint(value: string): boolean {
  return /^[0-9a-f]{16}$/.test(value);
}
