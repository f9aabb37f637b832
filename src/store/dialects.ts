/**
 * The stores Conveyor can open: one descriptor per database, the only place that names them. Adding
 * a store is a folder with its descriptor (`src/<dialect>/dialect.ts`) and a line here.
 */
import { postgresDialect } from '../postgres/dialect.js';
import { sqliteDialect } from '../sqlite/dialect.js';

export const STORE_DIALECTS = [sqliteDialect, postgresDialect] as const;

/** Where a store URL points: the location its dialect's parser returns. */
export type StoreLocation = ReturnType<(typeof STORE_DIALECTS)[number]['parse']>;

/** The name of a registered store dialect. */
export type StoreDialect = StoreLocation['dialect'];
