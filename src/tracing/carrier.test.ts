import { describe, expect, it } from 'vitest';
import { decodeTraceCarrier, encodeTraceCarrier, MAX_TRACE_CONTEXT_CHARS } from './carrier.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace carrier encoding', () => {
  it('stores a lone traceparent as its header text, and anything more as JSON; both read back', () => {
    expect(encodeTraceCarrier({ traceparent: TRACEPARENT })).toBe(TRACEPARENT);
    const full = { traceparent: TRACEPARENT, tracestate: 'vendor=a1;b', baggage: 'user=42' };
    const encoded = encodeTraceCarrier(full);
    expect(encoded).toBe(JSON.stringify(full));
    expect(decodeTraceCarrier(encoded!)).toEqual(full);
    expect(decodeTraceCarrier(TRACEPARENT)).toEqual({ traceparent: TRACEPARENT });
  });

  it('stores nothing for an empty carrier, and keeps only the trace headers of an oversized one', () => {
    expect(encodeTraceCarrier({})).toBeNull();
    const huge = { traceparent: TRACEPARENT, tracestate: 'v=1', baggage: 'x='.padEnd(MAX_TRACE_CONTEXT_CHARS, 'y') };
    expect(decodeTraceCarrier(encodeTraceCarrier(huge)!)).toEqual({ traceparent: TRACEPARENT, tracestate: 'v=1' });
    expect(encodeTraceCarrier({ baggage: 'x='.padEnd(MAX_TRACE_CONTEXT_CHARS, 'y') })).toBeNull();
  });

  it('reads damaged text as an empty carrier rather than throwing', () => {
    expect(decodeTraceCarrier('{not json')).toEqual({});
    expect(decodeTraceCarrier('{"traceparent":["x"]}')).toEqual({});
    expect(decodeTraceCarrier('{"traceparent":7,"tracestate":"a=1"}')).toEqual({ tracestate: 'a=1' });
  });
});
