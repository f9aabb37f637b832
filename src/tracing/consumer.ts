/**
 * The CONSUMER span of one attempt (`process <queue>`), from claim to outcome, with the queue, task,
 * job id, attempt number and outcome; the handler runs inside it, so the spans it starts (its own,
 * or pg/http instrumentations') nest under it.
 *
 * The span is both a child of the enqueue's PRODUCER span and linked to it. The child relation is
 * what the issue asks for and what trace views show: one trace from the request that enqueued the
 * job to every attempt. The link is what the messaging conventions ask of a consumer span, since
 * the attempt may run long after and the producer's trace may be kept apart; tools that follow
 * links (and sampling decisions made on them) find the producer either way.
 *
 * With no SDK registered (`registered.ts`) `startAttemptSpan` returns null at once, and the attempt
 * runs exactly as without tracing.
 */
import { type Context, context, isSpanContextValid, type Link, propagation, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { Job } from '../job.js';
import type { JobStateUpdate } from '../store/store.js';
import type { AttemptOutcome } from '../worker/outcome.js';
import {
  ATTR_CONVEYOR_JOB_ATTEMPT,
  ATTR_CONVEYOR_JOB_OUTCOME,
  ATTR_CONVEYOR_TASK,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  CONVEYOR_TRACER_NAME,
  MESSAGING_SYSTEM,
} from './attributes.js';
import { decodeTraceCarrier } from './carrier.js';
import { tracerProviderRegistered } from './registered.js';
import { endQuietly, markFailed, recordFailure } from './span-errors.js';

/** One attempt's span, and the context its handler runs in. */
export class AttemptSpan {
  constructor(
    private readonly span: Span,
    private readonly active: Context,
  ) {}

  /** Run `fn` with the attempt's span active. */
  run<T>(fn: () => T): T {
    return context.with(this.active, fn);
  }

  /** End the span with how the attempt ended: `update` is the job's next state, null when the lease was lost. */
  end(outcome: AttemptOutcome, update: JobStateUpdate | null): void {
    const { span } = this;
    span.setAttribute(ATTR_CONVEYOR_JOB_OUTCOME, update === null ? 'lease-lost' : update.kind);
    // A snooze is thrown but is no failure; a failure is `failed` (retried) or `dead`.
    if (update !== null && (update.kind === 'failed' || update.kind === 'dead')) {
      if (outcome.kind === 'threw') recordFailure(span, outcome.error);
      else markFailed(span, update.error.message);
    }
    endQuietly(span);
  }
}

/**
 * Start the span of the attempt of `job` now claimed. Its parent is the producer's context from the
 * job, never the context active here (the worker's claim loop, maybe a store query's span).
 */
export function startAttemptSpan(job: Job): AttemptSpan | null {
  if (!tracerProviderRegistered()) return null;
  try {
    return startSpanOf(job);
  } catch {
    // The app's sampler, propagator or span processor threw: the attempt runs untraced.
    return null;
  }
}

function startSpanOf(job: Job): AttemptSpan | null {
  const parent = job.traceContext === null ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, decodeTraceCarrier(job.traceContext));
  const producer = trace.getSpanContext(parent);
  const links: Link[] | undefined = producer !== undefined && isSpanContextValid(producer) ? [{ context: producer }] : undefined;
  const span = trace.getTracer(CONVEYOR_TRACER_NAME).startSpan(
    `process ${job.queue}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
        [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
        [ATTR_MESSAGING_OPERATION_NAME]: 'process',
        [ATTR_MESSAGING_DESTINATION_NAME]: job.queue,
        [ATTR_MESSAGING_MESSAGE_ID]: job.id,
        [ATTR_CONVEYOR_TASK]: job.task,
        [ATTR_CONVEYOR_JOB_ATTEMPT]: job.attempt,
      },
    },
    parent,
  );
  // Invalid: the no-op tracer. A valid span that does not record (sampled out) still runs the
  // handler in its context, so the handler's own spans keep the sampling decision.
  if (!isSpanContextValid(span.spanContext())) return null;
  return new AttemptSpan(span, trace.setSpan(parent, span));
}
