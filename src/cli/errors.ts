/** How the CLI reports a failure: a user's mistake in one line, a bug with its stack. */
import { ConveyorError } from '../errors.js';

/**
 * True for errors Conveyor throws on purpose. Besides `instanceof`, the prototype chain is checked
 * by class name: a user's module loaded through tsx gets its own copy of Conveyor's modules, so an
 * error thrown there (e.g. by `defineTask`) is a ConveyorError of another realm.
 */
export function isConveyorError(error: unknown): error is Error {
  if (error instanceof ConveyorError) return true;
  for (let proto = error === null || typeof error !== 'object' ? null : Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: unknown } }).constructor?.name === 'ConveyorError') return true;
  }
  return false;
}

/** Print the error to stderr: `error: <message>` for ConveyorErrors, the stack for anything else. */
export function reportError(error: unknown): void {
  if (isConveyorError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
  } else if (error instanceof Error) {
    process.stderr.write(`${error.stack ?? `${error.name}: ${error.message}`}\n`);
  } else {
    process.stderr.write(`error: ${String(error)}\n`);
  }
}
