/**
 * Pieces every route and DTO module describes itself with, so the OpenAPI document says the same
 * thing the same way on every route.
 */
import { z } from '@hono/zod-openapi';

/**
 * The `security` of every route behind the bearer token (the `Bearer` scheme `createServerApp`
 * registers).
 */
export const security = [{ Bearer: [] }];

/**
 * An OpenAPI request body or response whose content is JSON of `schema`.
 *
 * @example
 * responses: { 200: json(JobResponseSchema, 'The job') }
 */
export function json<T>(schema: T, description: string): { description: string; content: { 'application/json': { schema: T } } } {
  return { description, content: { 'application/json': { schema } } };
}

/** A date as the API writes it: an ISO 8601 string in UTC with milliseconds (`Date#toISOString`). */
export const isoDate = z.string().openapi({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' });
