/** Opens the store a location names, loading its driver only now, so importing 'conveyor' loads none. */
import { ConveyorConfigError } from '../errors.js';
import type { StoreLocation } from '../config.js';
import type { Store } from './store.js';

export async function openStore(location: StoreLocation, setting: string): Promise<Store> {
  switch (location.dialect) {
    case 'sqlite': {
      const { openSqliteStore } = await import('../sqlite/index.js');
      return openSqliteStore({ path: location.path, synchronous: location.synchronous });
    }
    case 'postgres':
      throw new ConveyorConfigError(
        setting,
        'names a PostgreSQL store, which this version of Conveyor does not include yet',
        '"sqlite:./.conveyor/conveyor.db"',
      );
  }
}
