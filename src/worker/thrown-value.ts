/**
 * What a value a handler threw becomes in a job's error history: a message and a stack, both plain
 * strings of bounded size, whatever was thrown. A handler can throw anything: an Error whose
 * `message` is an object or whose `stack` is a number, a getter that throws, a Proxy whose every
 * trap throws, an object with no prototype and a cycle. Reading one of those must never throw out
 * of the worker, so every read and every conversion here is guarded, and each has a fallback.
 */
import { boundedText, MAX_ERROR_TEXT_BYTES } from '../store/encoding.js';

export interface ThrownDescription {
  message: string;
  stack: string | null;
}

/** Describe `thrown` for the error history. Never throws. */
export function describeThrown(thrown: unknown): ThrownDescription {
  const described = isError(thrown) ? describeError(thrown) : { message: `Non-error thrown: ${printable(thrown)}`, stack: null };
  return {
    message: boundedText(described.message, MAX_ERROR_TEXT_BYTES),
    stack: described.stack === null ? null : boundedText(described.stack, MAX_ERROR_TEXT_BYTES),
  };
}

/**
 * `fn()`, or `fallback` when it throws. `instanceof` and property reads run user code (getters,
 * Proxy traps, `Symbol.hasInstance`), so a check about a thrown value goes through here.
 */
export function guarded<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/**
 * Text for any value: the string itself, else its JSON, else `String()`, else its tag
 * (`[object Object]`), else a note that it could not be read. Never throws.
 */
export function printable(value: unknown): string {
  if (typeof value === 'string') return value;
  const attempts = [() => JSON.stringify(value), () => String(value), () => Object.prototype.toString.call(value)];
  for (const attempt of attempts) {
    const text = guarded<unknown>(attempt, undefined);
    if (typeof text === 'string') return text;
  }
  return `[a value of type ${typeof value} that could not be read]`;
}

function isError(value: unknown): value is Error {
  return guarded(() => value instanceof Error, false);
}

const UNREAD = Symbol('unread');

function describeError(error: Error): ThrownDescription {
  const message = read(() => error.message);
  const stack = read(() => error.stack);
  return { message: messageText(error, message), stack: stack === UNREAD || stack === undefined || stack === null ? null : printable(stack) };
}

function messageText(error: Error, message: unknown): string {
  if (message === UNREAD) return `An error whose message could not be read (reading it threw: ${readFailure(() => error.message)})`;
  const text = message === undefined || message === null ? '' : printable(message);
  if (text !== '') return text;
  const name = read(() => error.name);
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

/** The value `fn` reads, or UNREAD when reading threw. */
function read(fn: () => unknown): unknown {
  return guarded(fn, UNREAD);
}

/** What reading threw, as text. */
function readFailure(fn: () => unknown): string {
  try {
    fn();
    return 'nothing';
  } catch (failure) {
    const message = read(() => (failure as Error).message);
    return typeof message === 'string' ? message : printable(failure);
  }
}
