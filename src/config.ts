/**
 * Where Conveyor keeps its state: the `store` option or `CONVEYOR_STORE`. Parsed once, at start-up,
 * with errors that name the setting and show a right value (F7).
 */
import { ConveyorConfigError } from './errors.js';
import { redactStoreUrl } from './redact-store-url.js';

export { redactStoreUrl } from './redact-store-url.js';

export type StoreLocation =
  | { dialect: 'sqlite'; path: string; synchronous: 'full' | 'normal' }
  | { dialect: 'postgres'; url: string; schema: string };

/** The PostgreSQL schema Conveyor's tables live in unless the URL says `?schema=…`. */
export const DEFAULT_POSTGRES_SCHEMA = 'conveyor';

/** A lower-case SQL identifier PostgreSQL accepts unquoted (at most 63 bytes). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The store used when neither the option nor `CONVEYOR_STORE` is set. */
export const DEFAULT_STORE_URL = 'sqlite:./.conveyor/conveyor.db';

const STORE_EXAMPLE = '"sqlite:./.conveyor/conveyor.db" or "postgres://user:password@localhost:5432/app"';

/**
 * Parse a store URL: `sqlite:<path>` (relative, absolute or `:memory:`; optional `?synchronous=normal`)
 * or `postgres://…` / `postgresql://…`.
 */
export function parseStoreUrl(value: unknown, setting: string): StoreLocation {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConveyorConfigError(setting, `must be a non-empty store URL, got ${JSON.stringify(typeof value === 'string' ? redactStoreUrl(value) : value)}`, STORE_EXAMPLE);
  }
  if (value.startsWith('sqlite:')) return parseSqliteUrl(value, setting);
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    return parsePostgresUrl(value, setting);
  }
  throw new ConveyorConfigError(
    setting,
    `has an unknown scheme in ${JSON.stringify(redactStoreUrl(value))}; Conveyor stores are "sqlite:" and "postgres://"`,
    STORE_EXAMPLE,
  );
}

/** `postgres://…[?schema=name]`: the `schema` option is Conveyor's and is taken out of the URL the driver sees. */
function parsePostgresUrl(value: string, setting: string): StoreLocation {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConveyorConfigError(
      setting,
      `is not a valid URL: ${JSON.stringify(redactStoreUrl(value))}; check the host and port, and percent-encode any @ : / ? # or space in the user and password (@ is %40)`,
      STORE_EXAMPLE,
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

function parseSqliteUrl(value: string, setting: string): StoreLocation {
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

/** The store URL from the option, else `CONVEYOR_STORE`, else the default; with the setting's name for errors. */
export function resolveStoreUrl(option: string | undefined, env: NodeJS.ProcessEnv = process.env): { url: string; setting: string } {
  if (option !== undefined) return { url: option, setting: 'Conveyor.open({ store })' };
  const fromEnv = env.CONVEYOR_STORE;
  if (fromEnv !== undefined) return { url: fromEnv, setting: 'CONVEYOR_STORE' };
  return { url: DEFAULT_STORE_URL, setting: 'default store' };
}

/** How long finished jobs, dead worker records and job events are kept before the maintenance loop prunes them. */
export interface RetentionOptions {
  /** @default 604_800_000 (a week) */
  succeededMs: number;
  /** @default 2_592_000_000 (thirty days) */
  deadMs: number;
  /** @default 604_800_000 (a week) */
  cancelledMs: number;
  /** Records of workers whose heartbeat stopped this long ago. @default 3_600_000 (an hour) */
  stoppedWorkersMs: number;
  /**
   * Job events (the log `GET /events` streams and resumes from): a client that reconnects with an
   * older Last-Event-ID is told to refetch. @default 900_000 (fifteen minutes)
   */
  eventsMs: number;
}

const DAY_MS = 86_400_000;
export const DEFAULT_RETENTION: RetentionOptions = Object.freeze({
  succeededMs: 7 * DAY_MS,
  deadMs: 30 * DAY_MS,
  cancelledMs: 7 * DAY_MS,
  stoppedWorkersMs: 3_600_000,
  eventsMs: 900_000,
});

export function resolveRetention(options: Partial<RetentionOptions> | undefined): RetentionOptions {
  const retention = { ...DEFAULT_RETENTION, ...definedOnly(options ?? {}) };
  for (const [key, value] of Object.entries(retention)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new ConveyorConfigError(`Conveyor.open({ retention.${key} })`, `must be an integer ≥ 0 of milliseconds, got ${String(value)}`, String(7 * DAY_MS));
    }
  }
  return retention;
}

/** Check that an option is an integer within bounds; `setting` names it in the error. */
export function checkInteger(setting: string, value: unknown, min: number, max: number, example: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new ConveyorConfigError(setting, `must be an integer from ${min} to ${max}, got ${String(value)}`, String(example));
  }
  return value as number;
}

/** The fields of `options` that are not undefined: `{ a: undefined }` means "use the default", as omitting it does. */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
