/**
 * Whether a sent event satisfies a wait's match: every field the match names has the same JSON value
 * in the payload (`{ orderId: 42 }` matches `{ orderId: 42, approvedBy: 'ada' }`); no match matches
 * every event of the name. Both stores call it inside the transaction that resolves waits.
 */
export function eventMatches(matchJson: string | null, payloadJson: string): boolean {
  if (matchJson === null) return true;
  const match = JSON.parse(matchJson) as Record<string, unknown>;
  const payload = JSON.parse(payloadJson) as unknown;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return Object.keys(match).length === 0;
  return Object.entries(match).every(([field, value]) => sameJson((payload as Record<string, unknown>)[field], value));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** A wait's output once its event came. */
export function waitOutput(event: { payload: string; sentAt: Date }): string {
  return `{"payload":${event.payload},"sentAt":${JSON.stringify(event.sentAt.toISOString())}}`;
}
