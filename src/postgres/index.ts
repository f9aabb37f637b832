/**
 * `conveyor/postgres`: the PostgreSQL store. Imported only from this subpath, so `import … from 'conveyor'`
 * never loads the `pg` driver.
 */
import { parseStoreUrl, redactStoreUrl } from '../config.js';
import { checkPostgresSchema } from './dialect.js';
import { ConveyorConfigError } from '../errors.js';
import type { PostgresStore } from './postgres-store.js';
import { openPostgresStoreAt, type PostgresStoreOptions } from './open.js';

export { PostgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './open.js';

/**
 * Opens a pool on a PostgreSQL database for Conveyor. It does not connect or migrate yet: the engine
 * calls `migrations.run` when it starts.
 *
 * @example
 * const store = openPostgresStore({ url: 'postgres://app@localhost:5432/app', schema: 'conveyor' });
 */
export function openPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const location = parseStoreUrl(options.url, 'postgres url');
  if (location.dialect !== 'postgres') {
    throw new ConveyorConfigError('postgres url', `must be a postgres:// URL, got ${JSON.stringify(redactStoreUrl(options.url))}`, '"postgres://user:password@localhost:5432/app"');
  }
  const schema = options.schema === undefined ? location.schema : checkPostgresSchema('postgres schema', options.schema);
  return openPostgresStoreAt({ ...location, schema }, options);
}
