/**
 * Claim order, for every store: highest priority first, then oldest `runAt`, then lowest id. The
 * statements that pick jobs order by `claimOrderSql` (the claim index's own order), and a store that
 * merges picks of several queues sorts them by `compareClaimOrder`, so the order `jobs.claim`
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

/** Negative when `a` is claimed before `b`. */
export function compareClaimOrder(a: ClaimOrderKey, b: ClaimOrderKey): number {
  return b.priority - a.priority || a.runAt - b.runAt || a.id - b.id;
}
