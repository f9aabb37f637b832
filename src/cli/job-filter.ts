/**
 * The job filters `conveyor jobs` and `conveyor retry` take, named after the HTTP API's
 * (`GET /jobs`, `POST /jobs/retry`) and bounded as it bounds them, so both front ends accept the same
 * searches.
 */
import type { Command } from 'commander';
import { MAX_SEARCH_LENGTH } from '../insights/job-search.js';
import type { JobState } from '../job.js';
import { isStorableTime } from '../store/encoding.js';
import type { JobListFilter } from '../store/store.js';
import { filterTextOption, stateListOption, timeOption } from './parse-options.js';

export interface JobFilterOptions {
  state?: JobState[];
  task?: string;
  queue?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  search?: string;
}

/** Add `--state`, `--task`, `--queue`, `--created-after`, `--created-before` and `--search` to `command`. */
export function addJobFilterOptions(command: Command, states: readonly JobState[], stateHelp: string): Command {
  return command
    .option('--state <states>', stateHelp, stateListOption(states, states.includes('dead') ? 'dead,failed' : states.join(',')))
    .option('--task <name>', 'only jobs of this task', filterTextOption(128, 'email.send'))
    .option('--queue <name>', 'only jobs of this queue', filterTextOption(128, 'default'))
    .option('--created-after <time>', 'only jobs created at or after this time (ISO 8601, UTC unless an offset is given)', timeOption(isStorableTime))
    .option('--created-before <time>', 'only jobs created before this time', timeOption(isStorableTime))
    .option('--search <text>', `only jobs whose input or an error message holds this text, in any case (1–${MAX_SEARCH_LENGTH} characters; scans newest first)`, filterTextOption(MAX_SEARCH_LENGTH, 'timeout'));
}

/** The filter the options name; fields left out match every job. */
export function jobFilter(options: JobFilterOptions): JobListFilter {
  const filter: JobListFilter = {};
  if (options.state !== undefined) filter.states = options.state;
  if (options.task !== undefined) filter.task = options.task;
  if (options.queue !== undefined) filter.queue = options.queue;
  if (options.createdAfter !== undefined) filter.createdAfter = options.createdAfter;
  if (options.createdBefore !== undefined) filter.createdBefore = options.createdBefore;
  if (options.search !== undefined) filter.text = options.search;
  return filter;
}

/** True when at least one filter option was given. */
export function hasJobFilter(options: JobFilterOptions): boolean {
  return Object.keys(jobFilter(options)).length > 0;
}
