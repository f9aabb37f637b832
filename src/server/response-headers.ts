/**
 * Headers on every response of the HTTP API. `X-Content-Type-Options: nosniff` stops a browser from
 * reading a JSON body (which may echo a job's input) as HTML or script; `Cache-Control: no-store`
 * keeps job data, errors and tokens' results out of shared and browser caches, since every answer is
 * live state behind a bearer token. A route that chose its own caching (an event stream's
 * `no-cache`, a dashboard asset) keeps it.
 */
import type { MiddlewareHandler } from 'hono';

export const apiResponseHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('X-Content-Type-Options', 'nosniff');
  if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
};
