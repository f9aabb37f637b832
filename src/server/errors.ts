/**
 * The one error shape of the HTTP API, `{ error: { code, message, details? } }`, and the mapping
 * from Conveyor's typed errors to statuses. Nothing here ever puts a stack in a response.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  ConveyorConfigError,
  ConveyorNotFoundError,
  ConveyorStateError,
  ConveyorStoreUnavailableError,
  ConveyorValidationError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { ConveyorStoreFaultError } from '../store/store-fault.js';

export const ErrorDetailSchema = z
  .object({
    path: z.string().openapi({ description: 'Dotted path to the field in the request, empty for the request itself', example: 'input.to' }),
    message: z.string(),
  })
  .openapi('ErrorDetail');

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_input' }),
      message: z.string(),
      details: z.array(ErrorDetailSchema).optional(),
    }),
  })
  .openapi('Error');

export type ErrorDetail = z.infer<typeof ErrorDetailSchema>;
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** An error a route raises to answer with a given status and code. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, details?: ErrorDetail[]): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Respond with the error shape. */
export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: ErrorDetail[]): Response {
  return c.json(errorBody(code, message, details), status);
}

/**
 * Map any thrown value to a response. Errors Conveyor raises on purpose carry a message written for
 * the caller; anything else is a bug or an outage, logged here and answered with a generic 500.
 */
export function respondToError(c: Context, error: unknown, logger: Logger): Response {
  if (error instanceof HttpError) return errorResponse(c, error.status, error.code, error.message, error.details);
  if (error instanceof ConveyorValidationError) {
    return errorResponse(c, 400, 'invalid_input', error.message, error.issues.map((issue) => ({ path: issue.path, message: issue.message })));
  }
  if (error instanceof ConveyorConfigError) {
    return errorResponse(c, 400, 'invalid_option', error.message, [{ path: error.setting, message: error.problem }]);
  }
  if (error instanceof ConveyorNotFoundError) return errorResponse(c, 404, 'not_found', error.message);
  if (error instanceof ConveyorStateError) return errorResponse(c, 409, 'conflict', error.message);
  if (error instanceof HTTPException) return respondToHttpException(c, error);
  if (error instanceof ConveyorStoreFaultError) {
    // The message is written for whoever must act (what, which file or server, what to do); the
    // server's address is shown with its password hidden, the same as in the server's own logs.
    logger.error({ err: error, method: c.req.method, path: c.req.path, fault: error.fault }, 'store fault while serving a request');
    return errorResponse(c, 503, `store_${error.fault.replace('-', '_')}`, error.message);
  }
  if (error instanceof ConveyorStoreUnavailableError) {
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'store unavailable while serving a request');
    return errorResponse(c, 503, 'store_unavailable', 'The job store is not reachable; try again shortly.');
  }
  logger.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
  return errorResponse(c, 500, 'internal', 'Internal server error; the server logged the details.');
}

/** Hono's own exceptions: malformed JSON and unsupported media types from its validators. */
function respondToHttpException(c: Context, error: HTTPException): Response {
  const status = error.status as ContentfulStatusCode;
  if (status === 400 && /json/i.test(error.message)) {
    return errorResponse(c, 400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (status === 415) return errorResponse(c, 415, 'unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json.');
  return errorResponse(c, status, status >= 500 ? 'internal' : 'bad_request', error.message === '' ? 'The request was refused.' : error.message);
}

/** Describe a route's error responses in the OpenAPI document. */
export function errorResponses<const S extends readonly ContentfulStatusCode[]>(...statuses: S): Record<S[number], { description: string; content: { 'application/json': { schema: typeof ErrorBodySchema } } }> {
  const descriptions: Partial<Record<ContentfulStatusCode, string>> = {
    400: 'Invalid request: bad JSON, a field of the wrong type, an unknown task, or input that fails the task schema',
    401: 'Missing or wrong bearer token, or an ended dashboard session',
    404: 'No such job',
    409: 'Not allowed in the job’s current state',
    413: 'Request body over the size limit',
    415: 'Request body is not JSON',
    429: 'Too many jobs enqueued with this token (rate_limited; nothing was enqueued), or too many failed tokens from this address (too_many_failed_attempts). Retry after the seconds in the Retry-After header',
    503: 'The store cannot be reached (store_unavailable) or cannot take writes (store_disk_full, store_corrupt, store_read_only, store_file_lost, store_io_error); the message says what to do',
  };
  const responses = {} as Record<S[number], { description: string; content: { 'application/json': { schema: typeof ErrorBodySchema } } }>;
  for (const status of statuses) {
    responses[status as S[number]] = { description: descriptions[status] ?? 'Error', content: { 'application/json': { schema: ErrorBodySchema } } };
  }
  return responses;
}
