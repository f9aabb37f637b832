/** Parsers for option values; commander prints their message as `error: option '…' argument '…' is invalid. <message>`. */
import { InvalidArgumentError } from 'commander';

/** An integer option; `example` shows a right value in the error. */
export function integerOption(example: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isInteger(parsed)) throw new InvalidArgumentError(`It must be an integer, e.g. ${example}.`);
    return parsed;
  };
}

/** A comma-separated list without empty entries. */
export function listOption(example: string): (value: string) => string[] {
  return (value) => {
    const items = value.split(',').map((item) => item.trim());
    if (items.some((item) => item === '')) throw new InvalidArgumentError(`It must be a comma-separated list without empty entries, e.g. ${example}.`);
    return items;
  };
}

/** A comma-separated list of states, each one of `allowed`; `example` shows a right value. */
export function stateListOption<S extends string>(allowed: readonly S[], example: string): (value: string) => S[] {
  return (value) => {
    const items = value.split(',').map((item) => item.trim());
    const unknown = items.find((item) => !(allowed as readonly string[]).includes(item));
    if (unknown !== undefined) throw new InvalidArgumentError(`"${unknown}" is not one of ${allowed.join(', ')}; e.g. ${example}.`);
    return [...new Set(items as S[])];
  };
}

/** An integer from `min` to `max`, as the HTTP API and the library bound it. */
export function boundedIntegerOption(min: number, max: number, example: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isInteger(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`It must be an integer from ${min} to ${max}, e.g. ${example}.`);
    return parsed;
  };
}

/**
 * A time as ISO 8601 (`2026-01-01`, or `2026-01-01T09:00:00Z` with an offset), in the years 1 to
 * 9999 UTC as the stores take; a date alone means midnight UTC, as `Date.parse` reads it.
 */
export function timeOption(isStorableTime: (time: number) => boolean): (value: string) => Date {
  return (value) => {
    const time = Date.parse(value);
    const iso = /^\d{4}-\d\d-\d\d$/.test(value) || /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value);
    if (!iso || Number.isNaN(time) || !isStorableTime(time)) throw new InvalidArgumentError('It must be an ISO 8601 date or time with its offset, in the years 0001 to 9999, e.g. 2026-01-01 or 2026-01-01T09:00:00Z.');
    return new Date(time);
  };
}

/** A filter text the stores can hold: 1 to `max` characters, no NUL (PostgreSQL text cannot hold one). */
export function filterTextOption(max: number, example: string): (value: string) => string {
  return (value) => {
    if (value.length === 0 || value.length > max || value.includes('\u0000')) throw new InvalidArgumentError(`It must be 1 to ${max} characters without NUL, e.g. ${example}.`);
    return value;
  };
}
