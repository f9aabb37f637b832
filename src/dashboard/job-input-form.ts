/**
 * A task's input as an HTML form, worked out from its JSON Schema (Standard JSON Schema:
 * `schema['~standard'].jsonSchema.input(…)`, which zod 4 implements): strings, numbers, integers,
 * booleans and enums get inputs of their own, nested objects become fieldsets, and anything else
 * (arrays, unions, nullables, references) one JSON text area. Without a JSON Schema the whole input
 * is one JSON text area. The form only collects values: the task's own schema validates them on
 * enqueue, and its issues are put back next to the fields they name (`placeIssues`).
 *
 * Field names are `input/<key>/<key>…`, each key percent-encoded, so any key (dots and slashes
 * included) names exactly one field. Values travel as the raw text of each input, so a form
 * re-rendered after an error shows what was typed, typos included.
 */
import type { StandardJSONSchemaV1 } from '@standard-schema/spec';
import type { ValidationIssue } from '../errors.js';
import type { InputSchema } from '../task.js';

export type InputField =
  | { kind: 'text' | 'number' | 'integer' | 'boolean' | 'json'; key: string; path: string[]; name: string; required: boolean; description: string | null }
  | { kind: 'enum'; key: string; path: string[]; name: string; required: boolean; description: string | null; options: unknown[] }
  | { kind: 'object'; key: string; path: string[]; name: string; required: boolean; description: string | null; fields: InputField[] };

/** The name of the one text area that holds the whole input as JSON (no JSON Schema, or the JSON view). */
export const WHOLE_INPUT_FIELD = 'input';

/** Fields nest at most this deep; deeper objects are one JSON text area. */
const MAX_DEPTH = 6;

/** The raw text of each form field by name, as posted (a checked box is "on"). */
export type FormValues = ReadonlyMap<string, string>;

/** The task's input JSON Schema, or null when its schema library offers none for it (a transform, a custom check). */
export function inputJsonSchema(schema: InputSchema): Record<string, unknown> | null {
  const converter = (schema['~standard'] as Partial<StandardJSONSchemaV1.Props>).jsonSchema;
  if (typeof converter?.input !== 'function') return null;
  try {
    return converter.input({ target: 'draft-2020-12' });
  } catch {
    return null;
  }
}

/** The form's fields for an input schema; null when the input is not an object with properties (one JSON text area then). */
export function inputFields(jsonSchema: Record<string, unknown> | null): InputField[] | null {
  if (jsonSchema === null || !isObjectSchema(jsonSchema)) return null;
  return objectFields(jsonSchema, []);
}

function objectFields(schema: Record<string, unknown>, path: string[]): InputField[] {
  const properties = schema.properties as Record<string, unknown>;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(properties).map(([key, property]) => fieldFor(key, asRecord(property), [...path, key], required.has(key)));
}

function fieldFor(key: string, schema: Record<string, unknown>, path: string[], required: boolean): InputField {
  const base = { key, path, name: fieldName(path), required, description: typeof schema.description === 'string' ? schema.description : null };
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every((value) => typeof value === 'string' || typeof value === 'number')) {
    return { ...base, kind: 'enum', options: schema.enum };
  }
  if (isObjectSchema(schema) && path.length < MAX_DEPTH) return { ...base, kind: 'object', fields: objectFields(schema, path) };
  switch (schema.type) {
    case 'string':
      return { ...base, kind: 'text' };
    case 'number':
      return { ...base, kind: 'number' };
    case 'integer':
      return { ...base, kind: 'integer' };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    default:
      return { ...base, kind: 'json' };
  }
}

function isObjectSchema(schema: Record<string, unknown>): boolean {
  return schema.type === 'object' && typeof schema.properties === 'object' && schema.properties !== null && !Array.isArray(schema.properties);
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

export function fieldName(path: readonly string[]): string {
  return [WHOLE_INPUT_FIELD, ...path.map(encodeURIComponent)].join('/');
}

/** The dotted path validation issues use for a field (`address.city`). */
export function issuePath(path: readonly string[]): string {
  return path.join('.');
}

/** The form's raw values for an input (a job's, to edit a copy): each field's text, or the whole input as JSON. */
export function valuesFromInput(fields: readonly InputField[] | null, input: unknown): Map<string, string> {
  const values = new Map<string, string>();
  if (fields === null) {
    values.set(WHOLE_INPUT_FIELD, JSON.stringify(input, null, 2) ?? '');
    return values;
  }
  const fill = (list: readonly InputField[], value: unknown) => {
    const record = asRecord(value);
    for (const field of list) {
      const own = record[field.key];
      if (field.kind === 'object') fill(field.fields, own);
      else if (own !== undefined) values.set(field.name, rawText(field, own));
    }
  };
  fill(fields, input);
  return values;
}

function rawText(field: InputField, value: unknown): string {
  if (field.kind === 'boolean') return value === true ? 'on' : '';
  if (field.kind === 'enum' || field.kind === 'json') return field.kind === 'enum' ? JSON.stringify(value) : JSON.stringify(value, null, 2);
  if ((field.kind === 'text' && typeof value === 'string') || ((field.kind === 'number' || field.kind === 'integer') && typeof value === 'number')) return String(value);
  return JSON.stringify(value);
}

/**
 * The input the posted values stand for, and what could not be read (a number that is not one, JSON
 * that does not parse), by field. An empty optional field is left out; an empty required one is too
 * (the task's schema names it as missing), but for text, which is "".
 */
export function inputFromValues(fields: readonly InputField[] | null, values: FormValues): { input: unknown; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  if (fields === null) {
    const text = values.get(WHOLE_INPUT_FIELD) ?? '';
    const parsed = parseJson(text.trim() === '' ? 'null' : text);
    if (!parsed.ok) issues.push({ path: '', message: `is not valid JSON: ${parsed.error}` });
    return { input: parsed.ok ? parsed.value : undefined, issues };
  }
  const build = (list: readonly InputField[]): Record<string, unknown> => {
    const object: Record<string, unknown> = {};
    for (const field of list) {
      const value = field.kind === 'object' ? build(field.fields) : readField(field, values.get(field.name) ?? '', issues);
      if (value !== undefined) object[field.key] = value;
    }
    return object;
  };
  return { input: build(fields), issues };
}

function readField(field: Exclude<InputField, { kind: 'object' }>, raw: string, issues: ValidationIssue[]): unknown {
  const path = issuePath(field.path);
  // A box can only be ticked or not: unticked is false when the field is required, left out when it is optional.
  if (field.kind === 'boolean') return raw === 'on' || raw === 'true' ? true : field.required ? false : undefined;
  // An empty required text is "" (so the schema's own rule for it speaks); other empty fields are left out.
  if (field.kind === 'text') return raw === '' && !field.required ? undefined : raw;
  if (raw.trim() === '') return undefined;
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const number = Number(raw.trim());
      if (!Number.isFinite(number)) {
        issues.push({ path, message: `"${raw.slice(0, 40)}" is not a number; write digits, e.g. 42${field.kind === 'number' ? ' or 4.2' : ''}` });
        return undefined;
      }
      return number;
    }
    case 'enum':
    case 'json': {
      const parsed = parseJson(raw);
      if (parsed.ok) return parsed.value;
      issues.push({ path, message: field.kind === 'enum' ? `is not one of the choices offered` : `is not valid JSON: ${parsed.error}` });
      return undefined;
    }
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Each issue at the field it names, or at the nearest field above it (an issue inside an array is
 * shown at the array's text area); what no field holds (the input as a whole) is keyed ''.
 */
export function placeIssues(fields: readonly InputField[] | null, issues: readonly ValidationIssue[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  const leafPaths = new Map<string, string>();
  const collect = (list: readonly InputField[]) => {
    for (const field of list) {
      leafPaths.set(issuePath(field.path), field.name);
      if (field.kind === 'object') collect(field.fields);
    }
  };
  if (fields !== null) collect(fields);
  for (const issue of issues) {
    const exact = leafPaths.get(issue.path);
    const name = exact ?? nearestField(issue.path, leafPaths) ?? (fields === null ? WHOLE_INPUT_FIELD : '');
    // Shown away from its own field: say which part it is about.
    const message = exact === undefined && issue.path !== '' ? `${issue.path}: ${issue.message}` : issue.message;
    byName.set(name, [...(byName.get(name) ?? []), message]);
  }
  return byName;
}

function nearestField(path: string, fieldsByPath: ReadonlyMap<string, string>): string | null {
  const segments = path === '' ? [] : path.split('.');
  for (let length = segments.length; length > 0; length -= 1) {
    const name = fieldsByPath.get(segments.slice(0, length).join('.'));
    if (name !== undefined) return name;
  }
  return null;
}
