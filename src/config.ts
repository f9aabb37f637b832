/**
 * Where Conveyor keeps its state: the `store` option or `CONVEYOR_STORE`. Parsed once, at start-up,
 * with errors that name the setting and show a right value (F7).
 */
import { ConveyorConfigError } from './errors.js';
import { redactStoreUrl } from './redact-store-url.js';
import { STORE_DIALECTS, type StoreLocation } from './store/dialects.js';

export { redactStoreUrl } from './redact-store-url.js';

export { checkPostgresSchema, DEFAULT_POSTGRES_SCHEMA } from './postgres/dialect.js';
export type { StoreLocation } from './store/dialects.js';

/** The store used when neither the option nor `CONVEYOR_STORE` is set. */
export const DEFAULT_STORE_URL = 'sqlite:./.conveyor/conveyor.db';

/** Every store's example URL, as errors show them: `"sqlite:…" or "postgres://…"`. */
const STORE_EXAMPLE = STORE_DIALECTS.map((dialect) => JSON.stringify(dialect.example)).join(' or ');

/** The schemes of every store, as errors name them: `"sqlite:" and "postgres://"`. */
const STORE_SCHEMES = joinWithAnd(STORE_DIALECTS.map((dialect) => JSON.stringify(dialect.schemes[0])));

/**
 * Parse a store URL with the dialect its scheme names (`src/store/dialects.ts`): e.g. `sqlite:<path>`
 * (relative, absolute or `:memory:`; optional `?synchronous=normal`) or `postgres://…` / `postgresql://…`.
 */
export function parseStoreUrl(value: unknown, setting: string): StoreLocation {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConveyorConfigError(setting, `must be a non-empty store URL, got ${JSON.stringify(typeof value === 'string' ? redactStoreUrl(value) : value)}`, STORE_EXAMPLE);
  }
  const dialect = STORE_DIALECTS.find((candidate) => candidate.schemes.some((scheme) => value.startsWith(scheme)));
  if (dialect === undefined) {
    throw new ConveyorConfigError(setting, `has an unknown scheme in ${JSON.stringify(redactStoreUrl(value))}; Conveyor stores are ${STORE_SCHEMES}`, STORE_EXAMPLE);
  }
  return dialect.parse(value, setting, STORE_EXAMPLE);
}

function joinWithAnd(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
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
