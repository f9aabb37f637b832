/**
 * The `OpenAPIHono` every route module starts from: request validation failures (a field of the
 * wrong type, an unknown state in a query) answer in the API's one error shape, with each field's
 * path in the request.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { errorResponse, type ErrorDetail } from './errors.js';

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
      const summary = details.map((detail) => `${detail.path === '' ? '(body)' : detail.path}: ${detail.message}`).join('; ');
      return errorResponse(c, 400, 'invalid_request', `Invalid request: ${summary}`, details);
    },
  });
}
