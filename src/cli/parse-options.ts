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
