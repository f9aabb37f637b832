/**
 * The artifact routes over real HTTP on both stores, with artifacts written by a real worker's
 * handler: listing, streamed downloads and their headers, ETag/304, ranges (206, 416), signed links
 * (made by the API, used without a token, refused when tampered or expired, throttled), the job's
 * artifacts in `GET /jobs/{id}`, and the `artifact` of an SSE job event.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signedLinkPath } from '../artifacts/signed-links.js';
import { defineTask } from '../task.js';
import { FAST_WORKER } from '../testing/worker-conformance/helpers.js';
import type { Worker } from '../worker/worker.js';
import type { ArtifactDto } from './artifact-dto.js';
import { connectSse, jobEvents } from './sse-test-client.js';
import { describeEachStore, errorJson, startTestServer, TOKEN, type TestServer, type TestServerOptions, type TestStoreFactory } from './test-server.js';

const SIGNING_KEY = 'server-artifacts-test-key-0123456789abcdef';
const CSV = 'a,b\n1,2\n';
/** Quotes, a percent sign, spaces and non-ASCII: everything a header or a path must escape. */
const ODD_NAME = 'résumé "final" 100%.txt';
const BYTES = Buffer.from(Array.from({ length: 5000 }, (_, index) => (index * 7) % 256));

const writeReport = defineTask({
  name: 'reports.write',
  input: z.object({}),
  run: async (_input, ctx) => {
    await ctx.artifacts.put('report.csv', CSV, { contentType: 'text/csv' });
    await ctx.artifacts.put(ODD_NAME, BYTES);
    return { written: 2 };
  },
});

let server: TestServer;
let worker: Worker;
let jobId: string;

async function startWithWorker(store: TestStoreFactory, options: TestServerOptions = {}): Promise<TestServer> {
  const started = await startTestServer({ store, tasks: [writeReport], artifacts: { signingKey: SIGNING_KEY }, events: { pollMs: 50 }, ...options });
  worker = started.conveyor.createWorker({ ...FAST_WORKER, tasks: [writeReport] });
  await worker.start();
  return started;
}

async function runReport(): Promise<string> {
  const { job } = await server.conveyor.enqueue(writeReport, {});
  expect((await server.conveyor.waitFor(job.id, { timeoutMs: 10_000 })).state).toBe('succeeded');
  return job.id;
}

const path = (name: string, query = '') => `/jobs/${jobId}/artifacts/${encodeURIComponent(name)}${query}`;

async function createLink(name: string, body?: unknown): Promise<{ url: string; expiresAt: string }> {
  const response = await server.request('POST', `${path(name)}/link`, { body });
  expect(response.status).toBe(200);
  return (await response.json()) as { url: string; expiresAt: string };
}

/** Fetch a path of the server with no Authorization header at all. */
const anonymous = (pathAndQuery: string, headers: Record<string, string> = {}) => fetch(`${server.url}${pathAndQuery}`, { headers });

describeEachStore('artifact routes', (store) => {
  beforeEach(async () => {
    server = await startWithWorker(store);
    jobId = await runReport();
  });
  afterEach(async () => {
    await worker.stop();
    await server.close();
  });

  describe('listing', () => {
    it('lists every artifact with its download path; GET /jobs/{id} carries the same list; an unknown job is 404', async () => {
      const response = await server.request('GET', `/jobs/${jobId}/artifacts`);
      expect(response.status).toBe(200);
      const { artifacts } = (await response.json()) as { artifacts: ArtifactDto[] };
      expect(artifacts.map(({ createdAt: _createdAt, sha256: _sha256, ...rest }) => rest)).toEqual([
        { attempt: 1, name: 'report.csv', size: CSV.length, contentType: 'text/csv', url: `/jobs/${jobId}/artifacts/report.csv?attempt=1` },
        { attempt: 1, name: ODD_NAME, size: BYTES.length, contentType: 'text/plain; charset=utf-8', url: `/jobs/${jobId}/artifacts/${encodeURIComponent(ODD_NAME)}?attempt=1` },
      ]);
      expect(artifacts.every((artifact) => new Date(artifact.createdAt).toISOString() === artifact.createdAt && /^[0-9a-f]{64}$/.test(artifact.sha256))).toBe(true);

      const job = (await (await server.request('GET', `/jobs/${jobId}`)).json()) as { job: { artifacts: ArtifactDto[] } };
      expect(job.job.artifacts).toEqual(artifacts);

      const unknown = await server.request('GET', '/jobs/999999/artifacts');
      expect(unknown.status).toBe(404);
      expect((await errorJson(unknown)).error.message).toBe('No job with id "999999"');
      expect((await server.request('GET', `/jobs/${jobId}/artifacts`, { token: null })).status).toBe(401);
    });
  });

  describe('downloading', () => {
    it('streams the whole file with its type, length, ETag, disposition and caching headers, by the listed url', async () => {
      const { artifacts } = (await (await server.request('GET', `/jobs/${jobId}/artifacts`)).json()) as { artifacts: ArtifactDto[] };
      const odd = artifacts.find((artifact) => artifact.name === ODD_NAME)!;
      const response = await server.request('GET', odd.url);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(BYTES)).toBe(true);
      expect(Object.fromEntries(['content-type', 'content-length', 'etag', 'accept-ranges', 'cache-control', 'x-content-type-options', 'content-disposition'].map((name) => [name, response.headers.get(name)]))).toEqual({
        'content-type': 'text/plain; charset=utf-8',
        'content-length': String(BYTES.length),
        etag: `"${odd.sha256}"`,
        'accept-ranges': 'bytes',
        'cache-control': 'private, no-cache',
        'x-content-type-options': 'nosniff',
        'content-disposition': `attachment; filename="r_sum_ _final_ 100%.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%20100%25.txt`,
      });

      const csv = await server.request('GET', path('report.csv'));
      expect(await csv.text()).toBe(CSV);
      expect(csv.headers.get('content-type')).toBe('text/csv');
      const head = await server.request('HEAD', path('report.csv'));
      expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, String(CSV.length), '']);
    });

    it('answers 304 to If-None-Match naming its ETag, and the bytes to another ETag', async () => {
      const etag = (await server.request('GET', path('report.csv'))).headers.get('etag')!;
      const notModified = await server.request('GET', path('report.csv'), { headers: { 'if-none-match': `"other", ${etag}` } });
      expect([notModified.status, notModified.headers.get('etag'), await notModified.text()]).toEqual([304, etag, '']);
      const changed = await server.request('GET', path('report.csv'), { headers: { 'if-none-match': '"other"' } });
      expect([changed.status, await changed.text()]).toEqual([200, CSV]);
    });

    it('answers one range with 206 and Content-Range, several with the whole file, and one past the end with 416', async () => {
      const ranged = async (range: string, extra: Record<string, string> = {}) => server.request('GET', path(ODD_NAME), { headers: { range, ...extra } });
      const cases: Array<[string, number, number]> = [
        ['bytes=0-9', 0, 9],
        ['bytes=4990-', 4990, 4999],
        ['bytes=-5', 4995, 4999],
        ['bytes=1000-99999', 1000, 4999],
      ];
      for (const [range, start, end] of cases) {
        const response = await ranged(range);
        expect([range, response.status, response.headers.get('content-range'), response.headers.get('content-length')]).toEqual([range, 206, `bytes ${start}-${end}/5000`, String(end - start + 1)]);
        expect(Buffer.from(await response.arrayBuffer()).equals(BYTES.subarray(start, end + 1))).toBe(true);
      }
      const several = await ranged('bytes=0-1,5-6');
      expect([several.status, (await several.arrayBuffer()).byteLength]).toEqual([200, 5000]);
      const staleIfRange = await ranged('bytes=0-9', { 'if-range': '"not-this-one"' });
      expect([staleIfRange.status, (await staleIfRange.arrayBuffer()).byteLength]).toEqual([200, 5000]);

      const past = await ranged('bytes=5000-');
      expect([past.status, past.headers.get('content-range')]).toEqual([416, 'bytes */5000']);
      expect((await errorJson(past)).error).toMatchObject({ code: 'range_not_satisfiable', message: expect.stringContaining('bytes=0-4999') });
    });

    it('is 404 naming the job and the name for an artifact that is not there, 400 for a bad attempt, 401 without a token', async () => {
      const missing = await server.request('GET', path('nope.csv'));
      expect(missing.status).toBe(404);
      expect((await errorJson(missing)).error.message).toBe(`Job "${jobId}" has no artifact named "nope.csv".`);
      const otherAttempt = await server.request('GET', path('report.csv', '?attempt=2'));
      expect((await errorJson(otherAttempt)).error.message).toBe(`Job "${jobId}" has no artifact named "report.csv" from attempt 2.`);
      const badAttempt = await server.request('GET', path('report.csv', '?attempt=first'));
      expect(badAttempt.status).toBe(400);
      expect((await errorJson(badAttempt)).error.details).toEqual([{ path: 'query.attempt', message: 'must be an attempt number (1, 2, …)' }]);
      expect((await server.request('GET', path('report.csv'), { token: null })).status).toBe(401);
    });
  });

  describe('signed links', () => {
    it('makes a link that downloads without a token (ranges and ETag included) until it expires', async () => {
      const before = Date.now();
      const link = await createLink(ODD_NAME);
      const expiresAt = Date.parse(link.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
      expect(link.url).toBe(signedLinkPath(SIGNING_KEY, jobId, ODD_NAME, expiresAt));

      const response = await anonymous(link.url);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(BYTES)).toBe(true);
      expect(response.headers.get('content-disposition')).toContain("filename*=UTF-8''r%C3%A9sum%C3%A9");
      const ranged = await anonymous(link.url, { range: 'bytes=10-19' });
      expect([ranged.status, ranged.headers.get('content-range')]).toEqual([206, 'bytes 10-19/5000']);
      expect(Buffer.from(await ranged.arrayBuffer()).equals(BYTES.subarray(10, 20))).toBe(true);
      const notModified = await anonymous(link.url, { 'if-none-match': response.headers.get('etag')! });
      expect(notModified.status).toBe(304);

      const day = await createLink('report.csv', { expiresInMs: 86_400_000 });
      expect(Date.parse(day.expiresAt) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
      expect(await (await anonymous(day.url)).text()).toBe(CSV);
    });

    it('refuses a link with its name, expiry or signature changed as tampered, and an old one as expired, with 403 saying to ask for a new one', async () => {
      const { url } = await createLink('report.csv');
      const [pathPart, query] = url.split('?') as [string, string];
      const params = new URLSearchParams(query);
      const signature = params.get('signature')!;
      const flipped = `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`;
      const tampered = [
        `${pathPart.replace('report.csv', encodeURIComponent(ODD_NAME))}?${query}`,
        `${pathPart}?expires=${Number(params.get('expires')) + 1}&signature=${signature}`,
        `${pathPart}?expires=${params.get('expires')}&signature=${flipped}`,
        `${pathPart}?expires=${params.get('expires')}`,
      ];
      for (const link of tampered) {
        const response = await anonymous(link);
        expect([link, response.status]).toEqual([link, 403]);
        const { error } = await errorJson(response);
        expect(error.code).toBe('link_tampered');
        expect(error.message).toContain('tampered');
        expect(error.message).toContain('Ask whoever gave it to you for a new link.');
      }

      const expiredAt = Date.now() - 1000;
      const expired = await anonymous(signedLinkPath(SIGNING_KEY, jobId, 'report.csv', expiredAt));
      expect(expired.status).toBe(403);
      expect((await errorJson(expired)).error).toEqual({ code: 'link_expired', message: `This download link has expired (it was good until ${new Date(expiredAt).toISOString()}). Ask whoever gave it to you for a new link.` });

      const gone = await anonymous(signedLinkPath(SIGNING_KEY, jobId, 'gone.csv', Date.now() + 60_000));
      expect(gone.status).toBe(404);
      expect((await errorJson(gone)).error.message).toContain('the link is valid, but the artifact is gone');
    });

    it('creates links only for artifacts that exist, for a valid expiresInMs', async () => {
      const missing = await server.request('POST', `${path('nope.csv')}/link`);
      expect(missing.status).toBe(404);
      expect((await errorJson(missing)).error.message).toBe(`job ${jobId} has no artifact named "nope.csv"`);
      for (const expiresInMs of [0, 1.5, 31 * 86_400_000, 'soon']) {
        const response = await server.request('POST', `${path('report.csv')}/link`, { body: { expiresInMs } });
        expect(response.status).toBe(400);
        const { error } = await errorJson(response);
        expect(error.details).toEqual([{ path: 'expiresInMs', message: 'must be a whole number of milliseconds from 1 to 2592000000 (30 days), e.g. 86400000 for a day' }]);
      }
    });
  });

  it("carries an attempt's artifact on its SSE job event", async () => {
    const stream = await connectSse(`${server.url}/events?task=reports.write`, { authorization: `Bearer ${TOKEN}` });
    try {
      await stream.waitFor((messages) => messages.some((message) => message.event === 'ready'));
      const id = await runReport();
      await stream.waitFor((messages) => jobEvents(messages).some((event) => event.state === 'succeeded'));
      const events = jobEvents(stream.messages).filter((event) => event.jobId === id);
      expect(events.map((event) => [event.state, event.artifact])).toEqual([
        ['queued', null],
        ['running', null],
        ['running', { name: 'report.csv', size: CSV.length, contentType: 'text/csv' }],
        ['running', { name: ODD_NAME, size: BYTES.length, contentType: 'text/plain; charset=utf-8' }],
        ['succeeded', null],
      ]);
    } finally {
      await stream.close();
    }
  });
});

describeEachStore('artifact routes: signing key and throttle', (store) => {
  afterEach(async () => {
    await worker.stop();
    await server.close();
  });

  it('without a signing key: link creation is 409 naming CONVEYOR_ARTIFACT_SIGNING_KEY, and signed links are 404', async () => {
    server = await startWithWorker(store, { artifacts: {} });
    jobId = await runReport();
    const response = await server.request('POST', `${path('report.csv')}/link`);
    expect(response.status).toBe(409);
    const { error } = await errorJson(response);
    expect(error.code).toBe('links_disabled');
    expect(error.message).toContain('set CONVEYOR_ARTIFACT_SIGNING_KEY');
    const link = await anonymous(signedLinkPath(SIGNING_KEY, jobId, 'report.csv', Date.now() + 60_000));
    expect(link.status).toBe(404);
    expect((await server.request('GET', path('report.csv'))).status).toBe(200);
  });

  it('counts tampered links as failed authentications: past the budget, even a good link gets 429 with Retry-After', async () => {
    server = await startWithWorker(store, { authFailureLimit: { limit: 2, intervalMs: 60_000 } });
    jobId = await runReport();
    const good = signedLinkPath(SIGNING_KEY, jobId, 'report.csv', Date.now() + 60_000);
    const bad = good.replace(/signature=./, (match) => (match.endsWith('0') ? 'signature=1' : 'signature=0'));
    expect((await anonymous(bad)).status).toBe(403);
    expect((await anonymous(bad)).status).toBe(403);
    const blocked = await anonymous(good);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await errorJson(blocked)).error.code).toBe('too_many_failed_attempts');
  });
});
