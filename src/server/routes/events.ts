/**
 * `GET /events`: job state and progress changes as Server-Sent Events, from the store's event log,
 * so a change made by a worker in any process reaches every server. Each stream reads the log on
 * its own (`JobEventCursor`) every `pollMs`; filters are applied here, so the position a stream
 * reports (its last `id:`) also moves past events it did not send, and a reconnect with
 * `Last-Event-ID` (which EventSource sends by itself) resumes exactly where it stopped.
 *
 * Messages: `event: ready` once the stream is reading (its data names the position); `event: job`
 * with `id: <seq>` per change; `event: reset` when events may have been missed (refetch what you
 * show); a bare `id:` line moves a filtered stream's position past events it skipped; and a comment
 * line every 15 s keeps proxies from closing an idle stream.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { JOB_STATES } from '../../job.js';
import type { JobEvent } from '../../store/store.js';
import type { ServerDeps } from '../deps.js';
import { requestTokenDigest } from '../auth.js';
import { KeyedSlots } from '../keyed-slots.js';
import { ErrorBodySchema, errorResponse, errorResponses } from '../errors.js';
import type { CursorItem, JobEventCursor } from '../../client/job-event-cursor.js';
import { isoDate, security } from '../openapi-helpers.js';
import { STEP_KINDS, STEP_STATUSES } from '../step-dto.js';
import { createRouteApp, invalidRequest } from '../route-app.js';

export interface EventRouteOptions {
  /** How often each stream reads the event log. @default 250 */
  pollMs?: number;
  /** How long a stream waits at a gap for a late commit (PostgreSQL). @default 3000 */
  gapWaitMs?: number;
  /** How often an idle stream sends a keep-alive comment. @default 15_000 */
  keepAliveMs?: number;
  /**
   * Most streams one token may hold open on this server at once (a dashboard session counts as its
   * token); over it, 429. 0 for no cap. @default DEFAULT_MAX_STREAMS_PER_TOKEN
   */
  maxStreamsPerToken?: number;
}

/** @default 32: a busy operator's dashboard tabs and a few services, not a leak of EventSources. */
export const DEFAULT_MAX_STREAMS_PER_TOKEN = 32;

const SEQ = /^\d{1,19}$/;

const EventQuerySchema = z.object({
  jobId: z.string().regex(SEQ, 'must be a job id (digits)').optional().openapi({ description: 'Only this job', example: '42' }),
  queue: z.string().min(1).max(200).optional().openapi({ description: 'Only jobs of this queue', example: 'mail' }),
  task: z.string().min(1).max(200).optional().openapi({ description: 'Only jobs of this task', example: 'email.send' }),
  lastEventId: z.string().regex(SEQ, 'must be an event id (digits)').optional().openapi({
    description: 'Resume after this event, for clients that cannot send the Last-Event-ID header (the header wins)',
    example: '1200',
  }),
});

export const JobEventSchema = z
  .object({
    seq: z.string().openapi({ description: 'The event id: increasing, never reused', example: '1201' }),
    jobId: z.string(),
    task: z.string(),
    queue: z.string(),
    state: z.enum(JOB_STATES).openapi({ example: 'running' }),
    attempt: z.number().int(),
    progress: z.object({ fraction: z.number(), message: z.string().nullable() }).nullable(),
    at: isoDate.openapi({ description: 'When the job changed' }),
    artifact: z
      .object({ name: z.string(), size: z.number().int(), contentType: z.string() })
      .nullable()
      .openapi({ description: 'Set when the event is an attempt writing an artifact (the state did not change); null otherwise' }),
    step: z
      .object({ name: z.string(), kind: z.enum(STEP_KINDS), status: z.enum(STEP_STATUSES) })
      .nullable()
      .openapi({ description: 'Set when the event is a durable step changing (a step finishing, a sleep or wait starting or ending); null otherwise' }),
  })
  .openapi('JobEvent');

const eventsRoute = createRoute({
  method: 'get',
  path: '/events',
  tags: ['events'],
  summary: 'Job state, progress, artifact and step changes as Server-Sent Events, filterable, resumable with Last-Event-ID',
  description:
    'Each change is `event: job`, `id: <seq>`, data a JobEvent as JSON (`#/components/schemas/JobEvent`). `event: reset` means events may have been missed: refetch what you show. ' +
    'Without Last-Event-ID the stream starts with changes from now on.',
  security,
  request: { query: EventQuerySchema },
  responses: {
    200: { description: 'An endless text/event-stream', content: { 'text/event-stream': { schema: z.string().openapi({ example: 'id: 1201\nevent: job\ndata: {"seq":"1201",…}\n\n' }) } } },
    ...errorResponses(400, 401),
    429: { description: 'This token already holds the most event streams this server allows (too_many_streams); close one first', content: { 'application/json': { schema: ErrorBodySchema } } },
  },
});

export function eventRoutes({ conveyor, logger }: ServerDeps, options: EventRouteOptions = {}): OpenAPIHono {
  const { pollMs = 250, gapWaitMs, keepAliveMs = 15_000, maxStreamsPerToken = DEFAULT_MAX_STREAMS_PER_TOKEN } = options;
  const slots = new KeyedSlots(maxStreamsPerToken);
  const app = createRouteApp();
  // The stream's data is text to the route schema, so the document defines JobEvent only through this.
  app.openAPIRegistry.register('JobEvent', JobEventSchema);

  app.openapi(eventsRoute, async (c) => {
    const query = c.req.valid('query');
    const header = c.req.header('last-event-id');
    if (header !== undefined && !SEQ.test(header)) {
      // The header is not in the route's schema (EventSource sends it, not the caller), so it is checked here.
      throw invalidRequest([{ path: 'header.Last-Event-ID', message: 'must be an event id (digits)' }]);
    }
    const release = slots.take(requestTokenDigest(c) ?? 'none');
    if (release === null) {
      return errorResponse(
        c,
        429,
        'too_many_streams',
        `This token already has ${maxStreamsPerToken} event streams open on this server, the most allowed; close one (an EventSource or a dashboard tab you no longer need) and connect again.`,
      );
    }
    let cursor: JobEventCursor;
    try {
      cursor = await conveyor.openJobEventCursor({ afterSeq: header ?? query.lastEventId ?? null, gapWaitMs });
    } catch (error) {
      release();
      throw error;
    }
    const matches = (event: JobEvent) =>
      (query.jobId === undefined || event.jobId === query.jobId) && (query.queue === undefined || event.queue === query.queue) && (query.task === undefined || event.task === query.task);

    return streamSSE(c, async (stream) => {
      // The slot is held for as long as this function runs: it returns once the client has gone.
      stream.onAbort(release);
      try {
        await followEvents(stream);
      } finally {
        release();
      }
    });

    async function followEvents(stream: SSEStreamingApi): Promise<void> {
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ afterSeq: cursor.seq }) });
      /** The id the client holds as its Last-Event-ID. */
      let clientSeq = cursor.seq;
      let lastWriteAt = Date.now();
      while (!stream.aborted && !stream.closed) {
        for (const item of await readQuietly(cursor)) {
          if (item.kind === 'reset') {
            await stream.writeSSE({ event: 'reset', data: JSON.stringify({ reason: item.reason }) });
          } else if (matches(item.event)) {
            await stream.writeSSE({ id: item.event.seq, event: 'job', data: JSON.stringify(toJobEventData(item.event)) });
            clientSeq = item.event.seq;
          } else {
            continue;
          }
          lastWriteAt = Date.now();
        }
        if (clientSeq !== cursor.seq) {
          // Move the client's Last-Event-ID past events the filter left out, without dispatching an event.
          await stream.write(`id: ${cursor.seq}\n\n`);
          clientSeq = cursor.seq;
        } else if (Date.now() - lastWriteAt >= keepAliveMs) {
          await stream.write(': keep-alive\n\n');
          lastWriteAt = Date.now();
        }
        await stream.sleep(pollMs);
      }
    }
  });

  /** The cursor's next events; none while the store is unreachable (the stream stays open and tries again at the next poll). */
  const readQuietly = async (cursor: JobEventCursor): Promise<CursorItem[]> => {
    try {
      return await cursor.read();
    } catch (error) {
      logger.warn({ err: error }, 'GET /events could not read the event log; trying again');
      return [];
    }
  };

  return app;
}

/** The data of an `event: job` message, typed by the schema the OpenAPI document shows for it. */
function toJobEventData(event: JobEvent): z.infer<typeof JobEventSchema> {
  return {
    seq: event.seq,
    jobId: event.jobId,
    task: event.task,
    queue: event.queue,
    state: event.state,
    attempt: event.attempt,
    progress: event.progress,
    at: event.at.toISOString(),
    artifact: event.artifact === null ? null : { name: event.artifact.name, size: event.artifact.size, contentType: event.artifact.contentType },
    step: event.step === null ? null : { name: event.step.name, kind: event.step.kind, status: event.step.status },
  };
}
