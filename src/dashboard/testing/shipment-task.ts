/**
 * A task whose input has what the new-job form must handle: required and optional strings, an
 * integer, an enum, a nested object, a boolean and an array, with checks that name fields.
 */
import { z } from 'zod';
import { defineTask } from '../../task.js';

export const bookShipment = defineTask({
  name: 'shipment.book',
  queue: 'shipping',
  input: z.object({
    customer: z.string().min(1, 'must not be empty'),
    parcels: z.number().int().min(1, 'must be at least 1'),
    speed: z.enum(['standard', 'express']),
    address: z.object({
      city: z.string().min(1, 'must not be empty'),
      zip: z.string().regex(/^\d{5}$/, 'must be 5 digits'),
    }),
    fragile: z.boolean().optional(),
    tags: z.array(z.string()).optional(),
  }),
  run: (input) => ({ booked: input.parcels }),
});
