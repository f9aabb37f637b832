/**
 * What a database brings to Conveyor: a descriptor naming the URL schemes it takes, parsing such a
 * URL (with errors that name the setting and show a right value), and opening its store. The
 * descriptor module loads no driver: `open` imports the dialect's store module only when called, so
 * parsing a URL, or importing 'conveyor', loads neither `pg` nor `better-sqlite3`.
 */
import type { Logger } from '../logger.js';
import type { Store } from './store.js';

export interface StoreDialectDescriptor<Location extends { dialect: string }> {
  /** The `dialect` of its locations, e.g. `'sqlite'`. */
  readonly name: Location['dialect'];
  /** The URL prefixes it takes, e.g. `['postgres://', 'postgresql://']`; the first is shown in messages. */
  readonly schemes: readonly string[];
  /** A right URL, shown in errors. */
  readonly example: string;
  /**
   * Parse a URL that starts with one of `schemes`. `examples` is every dialect's example, for errors
   * about a URL that may have meant another store.
   */
  parse(url: string, setting: string, examples: string): Location;
  /** Open the store at `location`, loading the driver now. */
  open(location: Location, logger?: Logger): Promise<Store>;
}
