/**
 * Marking a span failed, the same way on every Conveyor span. A handler can throw anything (see
 * `worker/thrown-value.ts`), so the exception is recorded from a description that never throws,
 * not from the thrown value itself.
 */
import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { describeThrown, guarded } from '../worker/thrown-value.js';
import { ATTR_ERROR_TYPE } from './attributes.js';

/** Record `thrown` as the span's exception, its name as `error.type`, and status ERROR with its message. */
export function recordFailure(span: Span, thrown: unknown): void {
  const { message, stack } = describeThrown(thrown);
  const name = guarded(() => (thrown instanceof Error && typeof thrown.name === 'string' ? thrown.name : 'NonError'), 'NonError');
  span.recordException(stack === null ? { name, message } : { name, message, stack });
  span.setAttribute(ATTR_ERROR_TYPE, name);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/**
 * End a span; should the app's span processor throw, the error goes no further: tracing must never
 * fail an enqueue that was stored or an attempt whose outcome is being recorded.
 */
export function endQuietly(span: Span): void {
  try {
    span.end();
  } catch {
    // Nothing to do: the span is lost, the job is not.
  }
}

/** Status ERROR with a message, for an attempt that failed without a thrown value (a timeout, a bad result). */
export function markFailed(span: Span, message: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
