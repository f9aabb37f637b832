/**
 * The `OpenAPIHono` every route module starts from: request validation failures (a field of the
 * wrong type, an unknown state in a query) answer in the API's one error shape, with each field's
 * path in the request.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { errorResponse, HttpError, type ErrorDetail } from './errors.js';

/** The request part a validation failure came from, as the start of each detail's path. */
const TARGET_PREFIX: Record<string, string> = { json: '', query: 'query.', param: 'path.', header: 'header.' };

export function createRouteApp(): OpenAPIHono {
  return new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return undefined;
      const prefix = TARGET_PREFIX[result.target] ?? `${result.target}.`;
      const details: ErrorDetail[] = result.error.issues.map((issue) => ({
        path: `${prefix}${issue.path.map(String).join('.')}`.replace(/\.$/, ''),
        message: issue.message,
      }));
      return errorResponse(c, 400, 'invalid_request', invalidRequestMessage(details), details);
    },
  });
}

/**
 * The 400 a route raises for a request part it checks by hand (a header no schema declares), in the
 * same words as a schema's validation failure.
 *
 * @example
 * throw invalidRequest([{ path: 'header.Last-Event-ID', message: 'must be an event id (digits)' }]);
 * // message: 'Invalid request: header.Last-Event-ID: must be an event id (digits)'
 */
export function invalidRequest(details: ErrorDetail[]): HttpError {
  return new HttpError(400, 'invalid_request', invalidRequestMessage(details), details);
}

/** `Invalid request: <path>: <message>; …`, the body itself named `(body)`. */
function invalidRequestMessage(details: ErrorDetail[]): string {
  return `Invalid request: ${details.map((detail) => `${detail.path === '' ? '(body)' : detail.path}: ${detail.message}`).join('; ')}`;
}
