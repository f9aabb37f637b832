/** The SQLite dialect's descriptor: `sqlite:<path>[?synchronous=full|normal]`. Loads no driver. */
import { ConveyorConfigError } from '../errors.js';
import { redactStoreUrl } from '../redact-store-url.js';
import type { StoreDialectDescriptor } from '../store/store-dialect.js';

export interface SqliteLocation {
  dialect: 'sqlite';
  path: string;
  synchronous: 'full' | 'normal';
}

export const sqliteDialect: StoreDialectDescriptor<SqliteLocation> = {
  name: 'sqlite',
  schemes: ['sqlite:'],
  example: 'sqlite:./.conveyor/conveyor.db',
  parse: parseSqliteUrl,
  async open(location) {
    const { openSqliteStore } = await import('./index.js');
    return openSqliteStore({ path: location.path, synchronous: location.synchronous });
  },
};

/** `sqlite:<path>`: relative, absolute (`sqlite:/var/…` or `sqlite:///var/…`) or `:memory:`. */
function parseSqliteUrl(value: string, setting: string): SqliteLocation {
  const [rawPath = '', query] = value.slice('sqlite:'.length).split('?', 2);
  const path = rawPath.startsWith('//') ? rawPath.slice(2) : rawPath;
  if (path === '') {
    throw new ConveyorConfigError(setting, `names no database file in ${JSON.stringify(value)}`, '"sqlite:./.conveyor/conveyor.db"');
  }
  let synchronous: 'full' | 'normal' = 'full';
  for (const [key, option] of new URLSearchParams(query ?? '')) {
    if (key !== 'synchronous' || (option !== 'full' && option !== 'normal')) {
      throw new ConveyorConfigError(
        setting,
        `has an unknown option "${redactStoreUrl(`${key}=${option}`)}" in ${JSON.stringify(redactStoreUrl(value))}; the only option is synchronous=full|normal`,
        '"sqlite:./.conveyor/conveyor.db?synchronous=normal"',
      );
    }
    synchronous = option;
  }
  return { dialect: 'sqlite', path, synchronous };
}
