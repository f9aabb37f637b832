/** The jobs page's query string: what becomes the store filter, and what is dropped with a reason. */
import { describe, expect, it } from 'vitest';
import { jobsPagePath, jobsQueryString, parseJobsQuery, parseUtcDateTime } from './jobs-filter.js';

describe('parseJobsQuery', () => {
  it('turns every field into the list filter', () => {
    const parsed = parseJobsQuery({ state: 'dead', queue: 'mail', task: 'email.send', after: '2026-01-02T13:04', before: '2026-01-03', q: ' timeout ', cursor: '120' });
    expect(parsed.problems).toEqual([]);
    expect(parsed.cursor).toBe('120');
    expect(parsed.filter).toEqual({
      states: ['dead'],
      queue: 'mail',
      task: 'email.send',
      createdAfter: new Date('2026-01-02T13:04:00Z'),
      createdBefore: new Date('2026-01-03T00:00:00Z'),
      text: 'timeout',
    });
  });

  it('ignores blank fields', () => {
    expect(parseJobsQuery({ state: '', queue: ' ', q: '' })).toEqual({ query: {}, filter: {}, cursor: null, problems: [] });
  });

  it('reads several states joined by commas, each once', () => {
    expect(parseJobsQuery({ state: 'failed, dead,failed' })).toEqual({ query: { state: ['failed', 'dead'] }, filter: { states: ['failed', 'dead'] }, cursor: null, problems: [] });
    const bad = parseJobsQuery({ state: 'failed,exploded' });
    expect(bad.filter).toEqual({});
    expect(bad.problems).toEqual([expect.stringContaining('Ignored state "failed,exploded"')]);
  });

  it('drops what it cannot use and says why', () => {
    const parsed = parseJobsQuery({ state: 'exploded', after: 'yesterday', q: 'x'.repeat(201), cursor: 'abc', task: 't'.repeat(129) });
    expect(parsed.filter).toEqual({});
    expect(parsed.cursor).toBeNull();
    expect(parsed.problems).toEqual([
      expect.stringContaining('Ignored state "exploded"'),
      expect.stringContaining('Ignored task'),
      expect.stringContaining('Ignored after "yesterday"'),
      expect.stringContaining('search text'),
      expect.stringContaining('cursor'),
    ]);
  });
});

describe('parseUtcDateTime', () => {
  it.each([
    ['2026-01-02T13:04', '2026-01-02T13:04:00.000Z'],
    ['2026-01-02T13:04:05', '2026-01-02T13:04:05.000Z'],
    ['2026-01-02T13:04:05+02:00', '2026-01-02T11:04:05.000Z'],
    ['2026-01-02', '2026-01-02T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseUtcDateTime(text)?.toISOString()).toBe(iso);
  });

  it.each(['tomorrow', '2026-13-01', '2026-02-30', '2025-02-29T10:00', '2026-01-02T25:00', '2026-01-02 13:04', ''])('refuses %j', (text) => {
    expect(parseUtcDateTime(text)).toBeNull();
  });
});

describe('jobsQueryString', () => {
  it('keeps the filters and replaces the cursor', () => {
    expect(jobsQueryString({ state: 'dead', q: 'a b', cursor: '9' }, { cursor: '5' })).toBe('?state=dead&q=a+b&cursor=5');
    expect(jobsQueryString({ cursor: '9' }, { cursor: undefined })).toBe('');
  });
});

describe('jobsPagePath', () => {
  it('builds the jobs page URL, escaping values, with several states joined by a comma', () => {
    expect(jobsPagePath()).toBe('/dashboard/jobs');
    expect(jobsPagePath({ queue: 'a&b c', task: 'x/y', state: 'queued' })).toBe('/dashboard/jobs?state=queued&queue=a%26b+c&task=x%2Fy');
    expect(jobsPagePath({ state: 'dead', cursor: '9' }, { cursor: undefined })).toBe('/dashboard/jobs?state=dead');
    const path = jobsPagePath({ task: 'invoice.render', state: ['failed', 'dead'] });
    expect(path).toBe('/dashboard/jobs?state=failed%2Cdead&task=invoice.render');
    // What the page reads back from it.
    const query = Object.fromEntries(new URL(path, 'http://localhost').searchParams);
    expect(parseJobsQuery(query).filter).toEqual({ states: ['failed', 'dead'], task: 'invoice.render' });
  });
});
