/** Name the store in a "not found" error, as `conveyor status` does: the wrong `--store` is a common cause. */
import { ConveyorNotFoundError } from '../errors.js';

export async function notFoundIn<T>(url: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ConveyorNotFoundError) throw new ConveyorNotFoundError(`${error.message} in ${url}`);
    throw error;
  }
}
