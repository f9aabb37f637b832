/**
 * Names Conveyor's spans carry: the OpenTelemetry messaging semantic conventions (v1.27 and later,
 * where `messaging.operation.type` replaced `messaging.operation`) for what they cover, and
 * `conveyor.*` for what they do not. Written out here rather than imported, because
 * `@opentelemetry/semantic-conventions` keeps the messaging names in its unstable "incubating"
 * entry point, and the package depends on `@opentelemetry/api` alone.
 */

/** The tracer's name (its instrumentation scope), e.g. to filter Conveyor's spans in a processor. */
export const CONVEYOR_TRACER_NAME = 'conveyor';

/** `messaging.system`: Conveyor is not in the conventions' list, so it names itself. */
export const MESSAGING_SYSTEM = 'conveyor';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
/** The queue. */
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
/** `send` when enqueuing, `process` when running an attempt. */
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
/** The job id. */
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
/** How many jobs one `enqueueMany` or flow stored. */
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
/** `error.type` (a stable convention): the thrown error's name on a failed attempt. */
export const ATTR_ERROR_TYPE = 'error.type';

export const ATTR_CONVEYOR_TASK = 'conveyor.task';
export const ATTR_CONVEYOR_JOB_ATTEMPT = 'conveyor.job.attempt';
/** How the attempt ended: the job's next state update (`succeeded`, `failed`, `dead`, `cancelled`, `released`, `snoozed`) or `lease-lost`. */
export const ATTR_CONVEYOR_JOB_OUTCOME = 'conveyor.job.outcome';
/** On an enqueue span: the dedup key was held, and the existing job was returned instead of a new one. */
export const ATTR_CONVEYOR_JOB_DUPLICATE = 'conveyor.job.duplicate';
/** On a flow's enqueue span: the flow's id (its root job's). */
export const ATTR_CONVEYOR_FLOW_ID = 'conveyor.flow.id';
/** On a step span: the step's stored output was returned, and its function did not run. */
export const ATTR_CONVEYOR_STEP_REPLAYED = 'conveyor.step.replayed';
