/** Opens the store a location names through its dialect's descriptor, which loads the driver only now. */
import type { Logger } from '../logger.js';
import { STORE_DIALECTS, type StoreLocation } from './dialects.js';
import type { Store } from './store.js';

export async function openStore(location: StoreLocation, logger?: Logger): Promise<Store> {
  // Each descriptor opens only its own locations; the narrowing is by `dialect`, checked here.
  const dialect = STORE_DIALECTS.find((candidate) => candidate.name === location.dialect);
  if (dialect === undefined) throw new Error(`No store dialect "${location.dialect}" is registered in src/store/dialects.ts`);
  return (dialect.open as (location: StoreLocation, logger?: Logger) => Promise<Store>)(location, logger);
}
