/** Opens the store a location names, loading its driver only now, so importing 'conveyor' loads none. */
import type { Logger } from '../logger.js';
import type { StoreLocation } from '../config.js';
import type { Store } from './store.js';

export async function openStore(location: StoreLocation, logger?: Logger): Promise<Store> {
  switch (location.dialect) {
    case 'sqlite': {
      const { openSqliteStore } = await import('../sqlite/index.js');
      return openSqliteStore({ path: location.path, synchronous: location.synchronous });
    }
    case 'postgres': {
      const { openPostgresStore } = await import('../postgres/index.js');
      return openPostgresStore({ url: location.url, schema: location.schema, ...(logger === undefined ? {} : { logger }) });
    }
  }
}
