/**
 * The stores the steps bench runs on, behind one shape: a fresh SQLite file or a fresh PostgreSQL
 * schema per use, migrated by the store itself and removed when the use ends (also when it throws).
 */
import { BenchServer } from '../postgres/server.js';
import { freshDatabase, removeDatabases } from '../shared.js';

export interface StoreTarget {
  name: 'SQLite' | 'PostgreSQL';
  /** Run `use` on a fresh, migrated store given by its URL for `Conveyor.open({ store })`. */
  withFreshStore<T>(use: (storeUrl: string) => Promise<T>): Promise<T>;
  /** Remove whatever is left (files, schemas) and close connections. */
  close(): Promise<void>;
}

export function sqliteTarget(): StoreTarget {
  return {
    name: 'SQLite',
    // The files go with the run's temporary directory in `close()`.
    withFreshStore: async (use) => use(`sqlite:${await freshDatabase()}`),
    close: async () => removeDatabases(),
  };
}

export async function postgresTarget(url: string): Promise<StoreTarget> {
  const server = await BenchServer.connect(url);
  return {
    name: 'PostgreSQL',
    withFreshStore: (use) => server.withSchema((schema) => use(schema.storeUrl)),
    close: () => server.close(),
  };
}
