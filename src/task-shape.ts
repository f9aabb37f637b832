/**
 * A task's shape as a worker records it in the registry: its name, its queue and a fingerprint of
 * its input schema. Two workers that record one task name with different shapes run two different
 * tasks under one name (a stale deploy, a copy-pasted definition): `conveyor doctor` names them.
 *
 * The fingerprint is a digest of the schema's JSON Schema, read through Standard JSON Schema
 * (`schema['~standard'].jsonSchema`, which zod ≥ 4.2, valibot and arktype implement). A schema
 * that does not offer it, or cannot be converted, has no fingerprint: its input is not compared.
 */
import { createHash } from 'node:crypto';
import type { StandardJSONSchemaV1 } from '@standard-schema/spec';
import type { InputShape, TaskShape } from './store/store-records.js';
import type { InputSchema, Task } from './task.js';

export type { InputShape, TaskShape };


export function taskShape(task: Pick<Task, 'name' | 'queue' | 'input'>): TaskShape {
  return { name: task.name, queue: task.queue, input: inputShape(task.input) };
}

export function inputShape(schema: InputSchema): InputShape | null {
  const converter = (schema['~standard'] as Partial<StandardJSONSchemaV1.Props>).jsonSchema;
  if (typeof converter?.input !== 'function') return null;
  let jsonSchema: Record<string, unknown>;
  try {
    jsonSchema = converter.input({ target: 'draft-2020-12' });
  } catch {
    return null; // e.g. a transform or a custom check with no JSON Schema form
  }
  const fingerprint = createHash('sha256').update(canonicalJson(jsonSchema)).digest('hex').slice(0, 12);
  return { fingerprint, fields: topLevelFields(jsonSchema) };
}

/** Whether two shapes of one task name differ in queue or (where both are known) in input. */
export function shapesDiffer(a: TaskShape, b: TaskShape): boolean {
  return a.queue !== b.queue || (a.input !== null && b.input !== null && a.input.fingerprint !== b.input.fingerprint);
}

/** `queue "emails", input {to!, subject}`, or `input not comparable` when the schema has no JSON Schema. */
export function describeShape(shape: TaskShape): string {
  return `queue "${shape.queue}", input ${shape.input === null ? '(no JSON Schema to compare)' : `{${shape.input.fields.join(', ')}} (${shape.input.fingerprint})`}`;
}

function topLevelFields(jsonSchema: Record<string, unknown>): string[] {
  const properties = jsonSchema.properties;
  if (typeof properties !== 'object' || properties === null) return [];
  const required = new Set(Array.isArray(jsonSchema.required) ? (jsonSchema.required as unknown[]) : []);
  return Object.keys(properties)
    .sort()
    .map((name) => (required.has(name) ? `${name}!` : name));
}

/**
 * JSON with every object's keys sorted, and every `required` list, so equal schemas give equal text
 * whatever the order their fields were written in.
 */
function canonicalJson(value: unknown, key?: string): string {
  if (Array.isArray(value)) return `[${(key === 'required' ? [...value].sort() : value).map((item) => canonicalJson(item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry, key)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
