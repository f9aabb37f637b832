/** The PostgreSQL dialect's descriptor: `postgres://…[?schema=name]`. Loads no driver. */
import { ConveyorConfigError } from '../errors.js';
import { redactStoreUrl } from '../redact-store-url.js';
import type { StoreDialectDescriptor } from '../store/store-dialect.js';

export interface PostgresLocation {
  dialect: 'postgres';
  url: string;
  schema: string;
}

/** The PostgreSQL schema Conveyor's tables live in unless the URL says `?schema=…`. */
export const DEFAULT_POSTGRES_SCHEMA = 'conveyor';

/** A lower-case SQL identifier PostgreSQL accepts unquoted (at most 63 bytes). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const postgresDialect: StoreDialectDescriptor<PostgresLocation> = {
  name: 'postgres',
  schemes: ['postgres://', 'postgresql://'],
  example: 'postgres://user:password@localhost:5432/app',
  parse: parsePostgresUrl,
  async open(location, logger) {
    const { openPostgresStoreAt } = await import('./open.js');
    return openPostgresStoreAt(location, logger === undefined ? {} : { logger });
  },
};

/** `postgres://…[?schema=name]`: the `schema` option is Conveyor's and is taken out of the URL the driver sees. */
function parsePostgresUrl(value: string, setting: string, examples: string): PostgresLocation {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConveyorConfigError(
      setting,
      `is not a valid URL: ${JSON.stringify(redactStoreUrl(value))}; check the host and port, and percent-encode any @ : / ? # or space in the user and password (@ is %40)`,
      examples,
    );
  }
  const schemas = url.searchParams.getAll('schema');
  if (schemas.length > 1) {
    throw new ConveyorConfigError(setting, `gives schema= ${schemas.length} times; give it once`, '"postgres://user:password@localhost:5432/app?schema=conveyor"');
  }
  const schema = checkPostgresSchema(setting, schemas[0] ?? DEFAULT_POSTGRES_SCHEMA);
  url.searchParams.delete('schema');
  return { dialect: 'postgres', url: url.toString(), schema };
}

/** A schema name Conveyor accepts: lower-case letters, digits and _, so it never needs quoting rules. */
export function checkPostgresSchema(setting: string, schema: unknown): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new ConveyorConfigError(
      setting,
      `has schema ${JSON.stringify(schema)}; a schema name is lower-case letters, digits and _ (not starting with a digit, at most 63 characters)`,
      '"postgres://user:password@localhost:5432/app?schema=conveyor"',
    );
  }
  return schema;
}
