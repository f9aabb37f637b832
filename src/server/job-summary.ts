/**
 * A job as `GET /jobs` lists it: everything the single job shows but the three fields that can be
 * megabytes each (input, result, errors with their stacks), which are replaced by short previews
 * and asked for by name (`?include=input,result,errors`). `GET /jobs/{id}` still shows all of a job.
 */
import { z } from '@hono/zod-openapi';
import type { Job } from '../job.js';
import type { JobSummary } from '../store/store.js';
import { JobAttemptErrorSchema, JobSchema, toJobDto } from './job-dto.js';
import { jsonPreview } from './json-preview.js';

/** Characters of the input and result previews. */
export const LIST_PREVIEW_CHARS = 200;
/** Characters of the last error's message in a list. */
export const LIST_ERROR_MESSAGE_CHARS = 500;

/** The fields a list leaves out unless `include` names them. */
export const LIST_INCLUDABLE = ['input', 'result', 'errors'] as const;
export type ListIncludable = (typeof LIST_INCLUDABLE)[number];

const cutNote = '(… marks a cut)';

export const JobSummarySchema = JobSchema.omit({ input: true, result: true, errors: true })
  .extend({
    inputPreview: z.string().openapi({ description: `The input as compact JSON, cut to ${LIST_PREVIEW_CHARS} characters ${cutNote}`, example: '{"to":"ada@example.com","subject":"Hello"}' }),
    resultPreview: z.string().nullable().openapi({ description: `The result as compact JSON, cut to ${LIST_PREVIEW_CHARS} characters ${cutNote}; null until the job succeeded` }),
    errorCount: z.number().int().openapi({ description: 'How many attempt errors the job has recorded' }),
    lastError: z
      .object({ attempt: z.number().int(), message: z.string(), at: z.string() })
      .nullable()
      .openapi({ description: `The latest attempt error, its message cut to ${LIST_ERROR_MESSAGE_CHARS} characters ${cutNote}, without its stack` }),
    input: z.unknown().optional().openapi({ description: 'The whole input: only with include=input' }),
    result: z.unknown().optional().openapi({ description: 'The whole result: only with include=result' }),
    errors: z.array(JobAttemptErrorSchema).optional().openapi({ description: 'Every attempt error with its stack: only with include=errors' }),
  })
  .openapi('JobSummary');

export type JobSummaryDto = z.infer<typeof JobSummarySchema>;

export const JobSummaryListSchema = z
  .object({
    jobs: z.array(JobSummarySchema),
    nextCursor: z.string().nullable().openapi({ description: 'Pass back as cursor for the next page; null on the last page' }),
  })
  .openapi('JobSummaryList');

/** The `include` query parameter: a comma-separated subset of {@link LIST_INCLUDABLE}. */
export const ListIncludeParamSchema = z
  .string()
  .transform((value, ctx): ListIncludable[] => {
    const fields = value.split(',').map((field) => field.trim());
    for (const field of fields) {
      if (!(LIST_INCLUDABLE as readonly string[]).includes(field)) {
        ctx.addIssue({ code: 'custom', message: `unknown field ${JSON.stringify(field.slice(0, 40))}; include takes ${LIST_INCLUDABLE.join(', ')}, comma-separated` });
        return z.NEVER;
      }
    }
    return [...new Set(fields as ListIncludable[])];
  })
  .openapi({
    param: { name: 'include', in: 'query' },
    description: `Whole fields to add to each listed job, comma-separated: ${LIST_INCLUDABLE.join(', ')}. Without it a list shows previews only, so it stays small however big jobs are.`,
    example: 'input,result',
    type: 'string',
  });

/** A summary the store cut (`jobs.summaryList`) as a list shows it: nothing whole was read. */
export function summaryToDto(summary: JobSummary): JobSummaryDto {
  const { input: _input, result: _result, errors: _errors, ...rest } = toJobDto({ ...summary, input: null, result: null, errors: [] });
  return {
    ...rest,
    inputPreview: summary.inputPreview,
    resultPreview: summary.resultPreview,
    errorCount: summary.errorCount,
    lastError: summary.lastError === null ? null : { ...summary.lastError, at: summary.lastError.at.toISOString() },
  };
}

/** A job as a list shows it, with the whole fields of `include` added. */
export function toJobSummaryDto(job: Job, include: readonly ListIncludable[] = []): JobSummaryDto {
  // Input and result are left out before the DTO is built: they are the part that can be big.
  const { input: _input, result: _result, errors, ...rest } = toJobDto({ ...job, input: null, result: null });
  const lastError = job.errors.at(-1);
  const summary: JobSummaryDto = {
    ...rest,
    inputPreview: jsonPreview(job.input, LIST_PREVIEW_CHARS),
    resultPreview: job.result === null || job.result === undefined ? null : jsonPreview(job.result, LIST_PREVIEW_CHARS),
    errorCount: job.errors.length,
    lastError: lastError === undefined ? null : { attempt: lastError.attempt, message: cut(lastError.message, LIST_ERROR_MESSAGE_CHARS), at: lastError.at.toISOString() },
  };
  if (include.includes('input')) summary.input = job.input;
  if (include.includes('result')) summary.result = job.result;
  if (include.includes('errors')) summary.errors = errors;
  return summary;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
