/** Test helpers that return the error a call throws, failing the test when it throws nothing or the wrong kind. */
import { expect } from 'vitest';
import { ConveyorConfigError } from '../errors.js';

/** The ConveyorConfigError `fn` throws. */
export function configError(fn: () => unknown): ConveyorConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConveyorConfigError);
    return error as ConveyorConfigError;
  }
  throw new Error('expected a ConveyorConfigError, but nothing was thrown');
}
