/**
 * The real OpenTelemetry SDK, set up as an app would (tracer provider, AsyncLocalStorage context
 * manager, W3C trace-context propagator), with spans kept in memory for a test to read. Each
 * install is undone with `uninstall()`, which puts the API back to its no-op state.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, type Sampler, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TestTracing {
  /** The spans ended so far, in the order they ended. */
  finished(): ReadableSpan[];
  /** The one finished span with this name; fails the test naming those there are when not exactly one. */
  span(name: string): ReadableSpan;
  /** Every finished span with this name, in the order they ended. */
  spans(name: string): ReadableSpan[];
  uninstall(): Promise<void>;
}

export interface TestTracingOptions {
  /** Where spans go besides memory (e.g. stdout, in a worker process). */
  exporter?: SpanExporter;
  /** More span processors, after the one that keeps spans in memory. */
  processors?: SpanProcessor[];
  /** @default the SDK's: parent-based, always on at the root */
  sampler?: Sampler;
}

/** Register the SDK globally. */
export function installTestTracing(options: TestTracingOptions = {}): TestTracing {
  const { exporter, processors = [], sampler } = options;
  const memory = new InMemorySpanExporter();
  const spanProcessors = [new SimpleSpanProcessor(memory), ...(exporter === undefined ? [] : [new SimpleSpanProcessor(exporter)]), ...processors];
  const provider = new BasicTracerProvider(sampler === undefined ? { spanProcessors } : { spanProcessors, sampler });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const spans = (name: string) => memory.getFinishedSpans().filter((span) => span.name === name);
  return {
    finished: () => memory.getFinishedSpans(),
    spans,
    span(name) {
      const found = spans(name);
      if (found.length !== 1) {
        throw new Error(`Expected one finished span named "${name}", found ${found.length}; finished: ${memory.getFinishedSpans().map((s) => s.name).join(', ') || '(none)'}`);
      }
      return found[0] as ReadableSpan;
    },
    async uninstall() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The id of a span's parent, or undefined for a root span. */
export function parentSpanId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
