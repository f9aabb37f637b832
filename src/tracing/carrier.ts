/**
 * How a job stores its producer span's context (`Job.traceContext`): whatever the app's registered
 * propagator injects, kept compact.
 *
 * - Only a `traceparent` (the W3C propagator, the SDK's default, with no `tracestate`): the header's
 *   text itself, e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01` (55 characters).
 * - Anything else (a `tracestate`, baggage, another propagator's headers): the carrier as a JSON
 *   object of header name to value, e.g. `{"traceparent":"00-…-01","tracestate":"vendor=a1"}`.
 *
 * A traceparent never starts with `{`, so the first character tells the two apart. A carrier
 * larger than `MAX_TRACE_CONTEXT_CHARS` (large baggage) keeps only its trace headers: a job row is
 * not the place for kilobytes of baggage.
 */

/** Header name to value, as `propagation.inject` fills it and `propagation.extract` reads it. */
export type TraceCarrier = Record<string, string>;

/** The longest encoded carrier stored whole; a longer one keeps `traceparent` and `tracestate` only. */
export const MAX_TRACE_CONTEXT_CHARS = 1024;

const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

/** The carrier's stored text, or null when it holds nothing (the propagator injected no header). */
export function encodeTraceCarrier(carrier: TraceCarrier): string | null {
  const names = Object.keys(carrier);
  if (names.length === 0) return null;
  if (names.length === 1 && names[0] === 'traceparent') return carrier.traceparent ?? null;
  const text = JSON.stringify(carrier);
  if (text.length <= MAX_TRACE_CONTEXT_CHARS) return text;
  const trace: TraceCarrier = {};
  for (const name of TRACE_HEADERS) if (carrier[name] !== undefined) trace[name] = carrier[name];
  return Object.keys(trace).length === 0 ? null : encodeTraceCarrier(trace);
}

/**
 * The carrier a stored text holds. Never throws: text that is not a carrier (written by hand, or
 * damaged) yields an empty one, and the attempt's span simply starts a trace of its own.
 */
export function decodeTraceCarrier(text: string): TraceCarrier {
  if (!text.startsWith('{')) return { traceparent: text };
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const carrier: TraceCarrier = {};
    for (const [name, value] of Object.entries(parsed)) if (typeof value === 'string') carrier[name] = value;
    return carrier;
  } catch {
    return {};
  }
}
