/**
 * The INTERNAL span of a durable step (`ctx.step(name, fn)`): `step <name>`, a child of the
 * attempt's span, with `conveyor.step.replayed` true when the step's stored output was returned
 * and `fn` did not run (a later attempt of the job). The step's function runs inside it, so what it
 * starts nests under the step.
 */
import { context, isSpanContextValid, type Span, trace } from '@opentelemetry/api';
import { ATTR_CONVEYOR_STEP_REPLAYED, CONVEYOR_TRACER_NAME } from './attributes.js';
import { tracerProviderRegistered } from './registered.js';
import { endQuietly, recordFailure } from './span-errors.js';

/**
 * Run a step inside its span: `run` is the step machinery, given the step's function to call (or
 * not, when the step replays). Without an active span (no SDK), `run(fn)` and nothing else.
 */
export async function inStepSpan<T, F>(name: string, fn: F, run: (fn: F) => Promise<T>): Promise<T> {
  // No attempt span active (no SDK, or an untraced attempt): nothing to nest under.
  if (!tracerProviderRegistered() || trace.getActiveSpan() === undefined) return run(fn);
  const span = startStepSpan(name);
  if (span === null) return run(fn);
  let ran = false;
  // Only a function is wrapped: anything else goes through as it is, for the step's own error.
  const body = typeof fn === 'function' ? (((...args: unknown[]) => ((ran = true), (fn as (...a: unknown[]) => unknown)(...args))) as F) : fn;
  try {
    const value = await context.with(trace.setSpan(context.active(), span), () => run(body));
    span.setAttribute(ATTR_CONVEYOR_STEP_REPLAYED, !ran);
    return value;
  } catch (error) {
    span.setAttribute(ATTR_CONVEYOR_STEP_REPLAYED, !ran);
    recordFailure(span, error);
    throw error;
  } finally {
    endQuietly(span);
  }
}

/** Null for a no-op tracer, or when the app's sampler or span processor threw. */
function startStepSpan(name: string): Span | null {
  try {
    const span = trace.getTracer(CONVEYOR_TRACER_NAME).startSpan(`step ${name}`);
    return isSpanContextValid(span.spanContext()) ? span : null;
  } catch {
    return null;
  }
}
