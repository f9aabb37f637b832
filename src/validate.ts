/** Validation of task input against its Standard Schema, with errors that name the field. */
import type { EventDefinition } from './step.js';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConveyorValidationError, type ValidationIssue } from './errors.js';
import type { Task } from './task.js';

/** Parse `input` with the task's schema; throws `ConveyorValidationError` naming each bad field. */
export async function parseTaskInput(task: Task, input: unknown): Promise<unknown> {
  let outcome = task.input['~standard'].validate(input);
  if (outcome instanceof Promise) outcome = await outcome;
  if (outcome.issues !== undefined) {
    throw new ConveyorValidationError(task.name, outcome.issues.map(toValidationIssue));
  }
  return outcome.value;
}

function toValidationIssue(issue: StandardSchemaV1.Issue): ValidationIssue {
  const path = (issue.path ?? [])
    .map((segment) => (typeof segment === 'object' ? segment.key : segment))
    .map(String)
    .join('.');
  return { path, message: issue.message };
}

/** Check an event's payload against its definition's schema; the schema's output, or a `ConveyorValidationError` naming the fields. */
export async function parseEventPayload(event: EventDefinition, payload: unknown): Promise<unknown> {
  let outcome = event.payload['~standard'].validate(payload);
  if (outcome instanceof Promise) outcome = await outcome;
  if (outcome.issues !== undefined) {
    throw new ConveyorValidationError(event.name, outcome.issues.map(toValidationIssue), `payload for event "${event.name}"`);
  }
  return outcome.value;
}
