/**
 * A burst of failure logs as an outage produces them: many services, many API processes, the same
 * few traces, all at once. `run.ts` sends one to show deduplication; the test sends a bigger one.
 */
import { randomBytes } from 'node:crypto';
import type { IncidentAccepted, IncidentBody, IncidentRejected } from './ingest-app.js';

const SERVICES = ['api-gateway', 'checkout', 'payments', 'inventory', 'auth'];
const MESSAGES = [
  'upstream request timed out after 3000 ms',
  'HTTP 502 from payments: bad gateway',
  'connection refused: inventory-db:5432',
  'panic: runtime error: invalid memory address or nil pointer dereference',
  'retrying request (attempt 2 of 3)',
  'circuit breaker open for payments',
];

/** A W3C-style trace id: 32 hex digits, new each call. */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * `count` log lines over `traceIds` (round robin). As in a real outage, each trace has a culprit
 * service that logs every other line; the rest come from the services around it. Messages are
 * drawn from a fixed list by a hash of the line's position, so runs differ only in their trace ids.
 */
export function burstLines(traceIds: string[], count: number, start: Date = new Date()): IncidentBody[] {
  return Array.from({ length: count }, (_, index) => {
    const trace = index % traceIds.length;
    const line = Math.floor(index / traceIds.length);
    const culprit = trace % SERVICES.length;
    const service = line % 2 === 0 ? culprit : (culprit + 1 + (Math.floor(line / 2) % (SERVICES.length - 1))) % SERVICES.length;
    return {
      traceId: traceIds[trace]!,
      service: SERVICES[service]!,
      message: MESSAGES[mix(trace * 7919 + line * 104_729 + service) % MESSAGES.length]!,
      at: new Date(start.getTime() + line * 10).toISOString(),
    };
  });
}

/** A small integer hash (a few rounds of xorshift-multiply): spreads nearby positions over the list. */
function mix(value: number): number {
  let x = value | 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}

export interface Sent {
  line: IncidentBody;
  /** The ingestion URL the request went to. */
  to: string;
  status: number;
  body: IncidentAccepted | IncidentRejected;
  /** The process that answered (its `x-ingest` header). */
  servedBy: string | null;
}

/** POST every line at once, line `i` to `urls[i % urls.length]`; resolves when every answer is in. */
export async function sendBurst(urls: string[], lines: IncidentBody[], timeoutMs = 30_000): Promise<Sent[]> {
  if (urls.length === 0) throw new Error('sendBurst: no ingestion URL to send to');
  return Promise.all(lines.map((line, index) => postIncident(urls[index % urls.length]!, line, timeoutMs)));
}

export async function postIncident(url: string, line: unknown, timeoutMs = 30_000): Promise<Sent> {
  const response = await fetch(`${url}/incidents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(line),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: IncidentAccepted | IncidentRejected;
  try {
    body = JSON.parse(text) as IncidentAccepted | IncidentRejected;
  } catch {
    body = { error: `not JSON (${response.status}): ${text.slice(0, 200)}` };
  }
  return { line: line as IncidentBody, to: url, status: response.status, body, servedBy: response.headers.get('x-ingest') };
}

/** What a burst did to one trace. */
export interface TraceOutcome {
  traceId: string;
  requests: number;
  /** Requests that created the trace's job (1 when dedup held). */
  created: number;
  duplicates: number;
  jobIds: string[];
  failed: number;
}

/** Per trace, in the order traces first appear: how many requests made a job, joined one, or failed. */
export function outcomesByTrace(sent: Sent[]): TraceOutcome[] {
  const byTrace = new Map<string, TraceOutcome & { ids: Set<string> }>();
  for (const { line, status, body } of sent) {
    const outcome = byTrace.get(line.traceId) ?? { traceId: line.traceId, requests: 0, created: 0, duplicates: 0, jobIds: [], failed: 0, ids: new Set<string>() };
    outcome.requests += 1;
    if (status === 202 && 'jobId' in body) {
      outcome.ids.add(body.jobId);
      if (body.duplicate) outcome.duplicates += 1;
      else outcome.created += 1;
    } else {
      outcome.failed += 1;
    }
    byTrace.set(line.traceId, outcome);
  }
  return [...byTrace.values()].map(({ ids, ...outcome }) => ({ ...outcome, jobIds: [...ids] }));
}
