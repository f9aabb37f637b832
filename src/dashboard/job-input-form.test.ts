/** The input form's model without a server: the JSON fallback, reading typed values back, and where problems go. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { InputSchema } from '../task.js';
import { inputFields, inputFromValues, inputJsonSchema, placeIssues, valuesFromInput } from './job-input-form.js';

describe('the input form model', () => {
  it('falls back to one JSON text area for a schema without JSON Schema, and for an input that is not an object', () => {
    const bare: InputSchema = { '~standard': { version: 1, vendor: 'hand-made', validate: (value: unknown) => ({ value }) } };
    expect(inputJsonSchema(bare)).toBeNull();
    expect(inputFields(inputJsonSchema(bare))).toBeNull();
    expect(inputFields(inputJsonSchema(z.array(z.string())))).toBeNull();
    expect(valuesFromInput(null, { a: [1] })).toEqual(new Map([['input', '{\n  "a": [\n    1\n  ]\n}']]));
    expect(inputFromValues(null, new Map([['input', '{"a": 1}']]))).toEqual({ input: { a: 1 }, issues: [] });
    expect(inputFromValues(null, new Map([['input', '{oops']])).issues).toEqual([{ path: '', message: expect.stringMatching(/^is not valid JSON: /) }]);
  });

  it('reads values back as the input they stand for, and round-trips an input through the form', () => {
    const fields = inputFields(inputJsonSchema(z.object({ 'a.b': z.string(), n: z.number(), on: z.boolean(), pick: z.enum(['x', 'y']).optional(), deep: z.object({ list: z.array(z.number()) }) })));
    expect(fields?.map((field) => field.name)).toEqual(['input/a.b', 'input/n', 'input/on', 'input/pick', 'input/deep']);
    const input = { 'a.b': 'text', n: 1.5, on: false, deep: { list: [1, 2] } };
    const values = valuesFromInput(fields, input);
    expect(inputFromValues(fields, values)).toEqual({ input, issues: [] });
  });

  it('puts each issue at its field, or at the nearest field above it with the rest of its path', () => {
    const fields = inputFields(inputJsonSchema(z.object({ tags: z.array(z.string()), address: z.object({ zip: z.string() }) })));
    const placed = placeIssues(fields, [
      { path: 'address.zip', message: 'must be 5 digits' },
      { path: 'tags.2', message: 'expected string' },
      { path: '', message: 'unknown key "extra"' },
    ]);
    expect(placed).toEqual(
      new Map([
        ['input/address/zip', ['must be 5 digits']],
        ['input/tags', ['tags.2: expected string']],
        ['', ['unknown key "extra"']],
      ]),
    );
  });
});
