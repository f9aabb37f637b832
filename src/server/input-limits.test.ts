/**
 * Values one store refused with a 500 and the other accepted (issue 13, item 8): NUL in a text
 * filter, and run times outside the years 1–9999. Both stores now answer 400 naming the field, over
 * real HTTP; the library and the store agree too, so the dashboard and `listJobs` cannot 500 either.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConveyorConfigError } from '../errors.js';
import { describeEachStore, sendEmail, startTestServer, type TestServer } from './test-server.js';

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ path: string; message: string }> };
}

const input = { to: 'ada@example.com', subject: 'hi' };

describeEachStore('input both stores can take', (store) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ store });
  });
  afterEach(async () => {
    await server.close();
  });

  it.each([
    ['q', 'q=a%00b'],
    ['task', 'task=email.send%00'],
    ['queue', 'queue=mail%00'],
  ])('GET /jobs refuses a NUL in %s with 400 naming it', async (field, query) => {
    const response = await server.request('GET', `/jobs?${query}`);
    const body = (await response.json()) as ErrorBody;
    expect(response.status).toBe(400);
    expect(body.error.details).toEqual([{ path: `query.${field}`, message: 'must not contain the NUL character (\\u0000)' }]);
  });

  it('POST /jobs/retry refuses a NUL in a filter with 400 naming it', async () => {
    const response = await server.request('POST', '/jobs/retry', { body: { q: 'a\u0000b' } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.details).toEqual([{ path: 'q', message: 'must not contain the NUL character (\\u0000)' }]);
  });

  it.each(['0000-06-01T00:00:00Z', '0001-01-01T00:30:00+01:00'])('POST /jobs refuses runAt %s, before year 1, with 400 naming options.runAt', async (runAt) => {
    const response = await server.request('POST', '/jobs', { body: { task: 'email.send', input, options: { runAt } } });
    const body = (await response.json()) as ErrorBody;
    expect(response.status).toBe(400);
    expect(body.error.details).toEqual([{ path: 'options.runAt', message: 'must be a time in the years 0001 to 9999 (UTC), e.g. 2030-01-01T09:00:00Z' }]);
    expect(await server.jobCount()).toBe(0);
  });

  it('GET /jobs refuses createdAfter before year 1 with 400 naming it', async () => {
    const response = await server.request('GET', '/jobs?createdAfter=0000-01-01T00:00:00Z');
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.details?.[0]?.path).toBe('query.createdAfter');
  });

  it('POST /jobs refuses a delayMs that lands after year 9999 with 400 naming options.delayMs', async () => {
    const delayMs = Date.parse('+010000-01-01T00:00:00Z') - Date.now();
    const response = await server.request('POST', '/jobs', { body: { task: 'email.send', input, options: { delayMs } } });
    const body = (await response.json()) as ErrorBody;
    expect(response.status).toBe(400);
    expect(body.error.details?.[0]?.path).toBe('enqueue("email.send") options.delayMs');
    expect(body.error.message).toContain('puts the run time after the year 9999 (UTC); it must be at most ');
    expect(await server.jobCount()).toBe(0);
  });

  it('the library refuses the same run times, and lists with NUL or far dates find nothing instead of failing', async () => {
    for (const options of [{ runAt: new Date('+010000-01-01T00:00:00Z') }, { runAt: new Date('-000001-01-01T00:00:00Z') }]) {
      await expect(server.conveyor.enqueue(sendEmail, input, options)).rejects.toThrow(ConveyorConfigError);
    }
    await expect(server.conveyor.enqueue(sendEmail, input, { runAt: new Date('+010000-01-01T00:00:00Z') })).rejects.toThrow(
      'enqueue("email.send") options.runAt: must be a Date in the years 1 to 9999 (UTC), got +010000-01-01T00:00:00.000Z',
    );
    await server.conveyor.enqueue(sendEmail, input, { runAt: new Date('9999-12-31T23:59:59.999Z') });
    const { store } = server.conveyor;
    for (const filter of [{ text: 'a\u0000' }, { task: 'email.send\u0000' }, { queue: 'mail\u0000' }, { createdAfter: new Date('+010000-01-01T00:00:00Z') }, { createdBefore: new Date('-000001-01-01T00:00:00Z') }]) {
      expect((await store.jobs.list({ filter, cursor: null, limit: 10 })).jobs).toEqual([]);
    }
    const everything = { createdAfter: new Date('-000001-01-01T00:00:00Z'), createdBefore: new Date('+010000-01-01T00:00:00Z') };
    expect((await store.jobs.list({ filter: everything, cursor: null, limit: 10 })).jobs).toHaveLength(1);
  });
});
