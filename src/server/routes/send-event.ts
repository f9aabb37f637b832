/**
 * `POST /events/{name}`: send an event jobs wait for (`ctx.waitForEvent`), the body its payload.
 * Only events the server's Conveyor declares (`Conveyor.open({ events })`) are accepted, so every
 * payload sent over HTTP has passed its schema: a caller cannot resume a job with a payload its
 * handler does not expect, nor invent event names. `GET /events` (the job event stream) is
 * `events.ts`.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { EVENT_NAME } from '../../step.js';
import type { ServerDeps } from '../deps.js';
import { ErrorBodySchema, errorResponses, HttpError } from '../errors.js';
import { json, security } from '../openapi-helpers.js';
import { createRouteApp } from '../route-app.js';

const EventNameParamsSchema = z.object({
  name: z
    .string()
    .regex(EVENT_NAME, 'must be an event name of letters, digits and . _ : - (at most 200)')
    .openapi({ param: { name: 'name', in: 'path' }, example: 'export.approved' }),
});

export const SendEventResultSchema = z
  .object({
    seq: z.string().openapi({ description: "The event's position among sent events", example: '17' }),
    resolvedJobIds: z.array(z.string()).openapi({ description: 'Jobs whose wait it resolved, each now queued (or still running, if it had not yet left its worker)', example: ['42'] }),
  })
  .openapi('SendEventResult');

const sendEventRoute = createRoute({
  method: 'post',
  path: '/events/{name}',
  tags: ['events'],
  summary: 'Send an event: every job waiting for it whose match the payload satisfies resumes',
  description:
    'The body is the payload, checked against the event’s schema (400 `invalid_input` naming each field; nothing is sent). Only events the server declares are accepted (404 `unknown_event` lists them). ' +
    'The event is kept 24 hours, so a job that reaches its wait later still gets it. Counts against the enqueue rate limit, one per request.',
  security,
  request: {
    params: EventNameParamsSchema,
    body: { required: true, ...json(z.unknown().openapi({ description: 'The payload (JSON)', example: { exportId: 42, by: 'ada' } }), 'The event’s payload') },
  },
  responses: {
    200: json(SendEventResultSchema, 'The event was sent; the jobs it resumed'),
    ...errorResponses(400, 401, 413, 415, 429),
    404: { description: 'The server declares no event of that name (unknown_event); the message lists the ones it does', content: { 'application/json': { schema: ErrorBodySchema } } },
  },
});

export function sendEventRoutes({ conveyor }: ServerDeps): OpenAPIHono {
  const app = createRouteApp();

  app.openapi(sendEventRoute, async (c) => {
    const { name } = c.req.valid('param');
    const definition = conveyor.declaredEvents.get(name);
    if (definition === undefined) throw new HttpError(404, 'unknown_event', unknownEventMessage(name, [...conveyor.declaredEvents.keys()]));
    // A ConveyorValidationError (the payload fails the schema) answers 400 with each field's path in the body.
    const { seq, resolvedJobIds } = await conveyor.sendEvent(definition, c.req.valid('json'));
    return c.json({ seq, resolvedJobIds }, 200);
  });

  return app;
}

function unknownEventMessage(name: string, known: string[]): string {
  const declared = known.length === 0 ? 'this server declares no events (pass them to Conveyor.open({ events }), or export them from the tasks module)' : `this server declares only ${known.map((event) => `"${event}"`).join(', ')}`;
  return `No event "${name}": ${declared}.`;
}
