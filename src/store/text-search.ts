/**
 * The window of a text search (`JobListFilter.text`): each `jobs.list` call reads at most
 * `textSearchWindow` ids, from just below the cursor (or the newest id) down, so searching a million
 * jobs for a rare word costs one bounded scan per page instead of one scan of the whole table.
 */
import { ConveyorConfigError, ConveyorError } from '../errors.js';
import { DEFAULT_TEXT_SEARCH_WINDOW } from './store.js';

/** The lowest and highest job id a store holds; null when it holds none. */
export interface IdBounds {
  lowest: number | null;
  highest: number | null;
}

/** The row of a store's `JOB_ID_BOUNDS`: SQLite gives numbers, `pg` gives bigints as strings. */
export interface IdBoundsRow {
  lowest: number | string | null;
  highest: number | string | null;
}

/**
 * The bounds a `JOB_ID_BOUNDS` row gives. That statement always returns one row (its two subqueries
 * read null on an empty table); `undefined` is in the type only because the drivers' row types allow it.
 */
export function idBoundsFromRow(row: IdBoundsRow | undefined): IdBounds {
  if (row === undefined) throw new ConveyorError('The statement reading the lowest and highest job id returned no row; it always returns one.');
  const id = (value: number | string | null) => (value === null ? null : Number(value));
  return { lowest: id(row.lowest), highest: id(row.highest) };
}

export interface TextSearchWindow {
  /** The lowest id this call searches. */
  floor: number;
  /** Whether jobs below `floor` exist, so the next page should go on searching from it. */
  olderExist: boolean;
}

/** The window of one call: below `beforeId` (the cursor, or above every id), `size` ids deep. */
export function textSearchWindow(bounds: IdBounds, beforeId: number, size: number = DEFAULT_TEXT_SEARCH_WINDOW): TextSearchWindow {
  if (!Number.isInteger(size) || size < 1) {
    throw new ConveyorConfigError('jobs.list textSearchWindow', `must be an integer ≥ 1, got ${String(size)}`, String(DEFAULT_TEXT_SEARCH_WINDOW));
  }
  const top = Math.min(beforeId, (bounds.highest ?? 0) + 1);
  const floor = Math.max(top - size, 0);
  return { floor, olderExist: bounds.lowest !== null && bounds.lowest < floor };
}

/**
 * The next cursor of a page: the last job's id when more rows matched than the page holds, else the
 * window's floor when the search stopped above older jobs, else null (the last page).
 */
export function nextListCursor(matchedMore: boolean, lastId: number | string | undefined, window: TextSearchWindow | null): string | null {
  if (matchedMore && lastId !== undefined) return String(lastId);
  if (window?.olderExist === true) return String(window.floor);
  return null;
}
