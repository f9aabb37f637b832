/**
 * Claim order, for every store: highest priority first, then oldest `runAt`, then lowest id. The
 * statements that pick jobs order by `claimOrderSql` (the claim index's own order), and a store that
 * merges picks of several queues sorts them with `sortByClaimOrder`, so the order `jobs.claim`
 * promises is written once.
 */

/** What claim order compares: the priority, `runAt` in ms since the epoch, and the numeric id. */
export interface ClaimOrderKey {
  priority: number;
  runAt: number;
  id: number;
}

/** Claim order as an ORDER BY list over the columns of `alias` (none: unqualified). */
export function claimOrderSql(alias?: string): string {
  const column = (name: string): string => (alias === undefined ? name : `${alias}.${name}`);
  return `${column('priority')} DESC, ${column('run_at')}, ${column('id')}`;
}

/**
 * The rows in claim order, a new array; `key` reads each row's key once (not once per comparison:
 * this runs on every claim).
 */
export function sortByClaimOrder<Row>(rows: readonly Row[], key: (row: Row) => ClaimOrderKey): Row[] {
  return rows
    .map((row) => ({ row, key: key(row) }))
    .sort((a, b) => compareClaimOrder(a.key, b.key))
    .map((entry) => entry.row);
}

/** Negative when `a` is claimed before `b`. */
export function compareClaimOrder(a: ClaimOrderKey, b: ClaimOrderKey): number {
  return b.priority - a.priority || a.runAt - b.runAt || a.id - b.id;
}
