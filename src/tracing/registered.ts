/**
 * Whether the app registered an OpenTelemetry tracer provider (an SDK): the one check Conveyor's
 * hot paths make before anything else of tracing, so with no SDK an enqueue or an attempt costs a
 * global lookup and no allocation (no tracer, no span, no attributes object).
 *
 * Until an SDK registers, the API's global provider is its `ProxyTracerProvider`, which delegates
 * to the API's no-op provider. A provider of another copy of the API (or anything else) counts as
 * registered: then the full path runs, and the spans it gets tell whether they record.
 */
import { ProxyTracerProvider, trace, type TracerProvider } from '@opentelemetry/api';

/** The API's no-op provider: what an unset proxy delegates to (a constant of the API module). */
const NOOP_PROVIDER: TracerProvider = new ProxyTracerProvider().getDelegate();

export function tracerProviderRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}
