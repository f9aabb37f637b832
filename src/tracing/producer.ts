/**
 * The PRODUCER span of an enqueue (`enqueue`, `enqueueMany`, `flows.enqueue`): named `send <queue>`
 * as the messaging conventions name a send, with the queue, task and job id, and its context
 * injected into the carrier each job stores (`carrier.ts`), so the job's attempts continue the trace.
 *
 * With no OpenTelemetry SDK registered (`registered.ts`), the enqueue runs as it would without this
 * module: no span, no carrier, no string, `traceContext` null. A tracer that is a no-op all the same
 * gives an invalid span, and that enqueue runs the same way.
 * With an SDK whose sampler dropped the span, the context is still stored: it tells the worker's
 * sampler the trace was not sampled, so the attempts are not recorded as traces of their own.
 */
import { type Context, context, isSpanContextValid, propagation, type Span, SpanKind, trace } from '@opentelemetry/api';
import {
  ATTR_CONVEYOR_FLOW_ID,
  ATTR_CONVEYOR_JOB_DUPLICATE,
  ATTR_CONVEYOR_TASK,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  CONVEYOR_TRACER_NAME,
  MESSAGING_SYSTEM,
} from './attributes.js';
import { encodeTraceCarrier, type TraceCarrier } from './carrier.js';
import { tracerProviderRegistered } from './registered.js';
import { endQuietly, recordFailure } from './span-errors.js';

/** What an enqueue stored, for the span's name and attributes. */
export interface EnqueuedJobs {
  jobs: ReadonlyArray<{ id: string; queue: string; task: string }>;
  /** For a single enqueue: whether the dedup key was held and the existing job returned. */
  duplicate?: boolean;
  /** For a flow: its id. */
  flowId?: string;
}

/** Set at the start, so a sampler sees them; the rest is known once the jobs are stored. */
const SEND_ATTRIBUTES = Object.freeze({
  [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
  [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
  [ATTR_MESSAGING_OPERATION_NAME]: 'send',
});

/**
 * Run `enqueue` inside a PRODUCER span; it gets the trace context to store on every job (null when
 * nothing traces it). `describe` says what it stored, once it has.
 */
export async function inEnqueueSpan<R>(enqueue: (traceContext: string | null) => Promise<R>, describe: (result: R) => EnqueuedJobs): Promise<R> {
  const started = tracerProviderRegistered() ? startEnqueueSpan() : null;
  if (started === null) return enqueue(null);
  const { span, active, traceContext } = started;
  try {
    // Inside the span, so the store's own instrumented calls (pg, for one) nest under it.
    const result = await context.with(active, () => enqueue(traceContext));
    if (span.isRecording()) describeEnqueue(span, describe(result));
    return result;
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    endQuietly(span);
  }
}

/** The span, its context and what to store; null for a no-op tracer, or when the app's sampler, processor or propagator threw. */
function startEnqueueSpan(): { span: Span; active: Context; traceContext: string | null } | null {
  try {
    const span = trace.getTracer(CONVEYOR_TRACER_NAME).startSpan('send', { kind: SpanKind.PRODUCER, attributes: SEND_ATTRIBUTES });
    if (!isSpanContextValid(span.spanContext())) return null;
    const active = trace.setSpan(context.active(), span);
    const carrier: TraceCarrier = {};
    try {
      propagation.inject(active, carrier);
    } catch {
      // A propagator that throws: the enqueue is traced, its jobs carry no context.
    }
    return { span, active, traceContext: encodeTraceCarrier(carrier) };
  } catch {
    return null;
  }
}

function describeEnqueue(span: Span, enqueued: EnqueuedJobs): void {
  const { jobs } = enqueued;
  const queues = new Set(jobs.map((job) => job.queue));
  const tasks = new Set(jobs.map((job) => job.task));
  // `send <queue>` when all went to one queue; plain `send` (the conventions' fallback) otherwise.
  const [queue] = queues;
  if (queues.size === 1 && queue !== undefined) {
    span.updateName(`send ${queue}`);
    span.setAttribute(ATTR_MESSAGING_DESTINATION_NAME, queue);
  }
  const [task] = tasks;
  if (tasks.size === 1 && task !== undefined) span.setAttribute(ATTR_CONVEYOR_TASK, task);
  const [only] = jobs;
  if (jobs.length === 1 && only !== undefined) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, only.id);
  else span.setAttribute(ATTR_MESSAGING_BATCH_MESSAGE_COUNT, jobs.length);
  if (enqueued.duplicate === true) span.setAttribute(ATTR_CONVEYOR_JOB_DUPLICATE, true);
  if (enqueued.flowId !== undefined) span.setAttribute(ATTR_CONVEYOR_FLOW_ID, enqueued.flowId);
}
