/** Bearer-token auth on every route of this slice, the token parser, and the OpenAPI document. */
import { randomBytes } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConveyorConfigError } from '../errors.js';
import { JOB_STATES } from '../job.js';
import { createServerApp } from './app.js';
import { tokenCheck } from './auth.js';
import { parseApiTokens } from './config.js';
import { errorJson, OTHER_TOKEN, startTestServer, TOKEN, WRONG_TOKEN, type TestServer } from './test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** No job has this id: the matrix's runs must not depend on which jobs earlier runs enqueued. */
const MISSING_JOB_ID = '999999999';

/** Every route, and what it answers to a configured token on a store holding only what the matrix enqueues. */
const ROUTES: Array<{ method: string; path: string; body?: unknown; status: number; code?: string }> = [
  { method: 'POST', path: '/jobs', body: { task: 'email.send', input: { to: 'a@example.com', subject: 'hi' } }, status: 201 },
  { method: 'POST', path: '/jobs/bulk', body: [{ task: 'email.send', input: { to: 'b@example.com', subject: 'hi' } }], status: 201 },
  { method: 'GET', path: '/jobs', status: 200 },
  { method: 'GET', path: `/jobs/${MISSING_JOB_ID}`, status: 404, code: 'not_found' },
  { method: 'POST', path: `/jobs/${MISSING_JOB_ID}/cancel`, status: 404, code: 'not_found' },
  { method: 'POST', path: `/jobs/${MISSING_JOB_ID}/retry`, status: 404, code: 'not_found' },
  { method: 'POST', path: '/jobs/retry', body: {}, status: 200 },
  { method: 'GET', path: '/queues', status: 200 },
  { method: 'POST', path: '/queues/mail/pause', status: 200 },
  { method: 'POST', path: '/queues/mail/resume', status: 200 },
  { method: 'GET', path: '/workers', status: 200 },
  { method: 'GET', path: '/orphans', status: 200 },
  { method: 'GET', path: '/failure-groups', status: 200 },
  { method: 'POST', path: '/failure-groups/0123456789abcdef/retry', status: 404, code: 'not_found' },
  { method: 'GET', path: '/events', status: 200 },
  // The matrix's server declares no events.
  { method: 'POST', path: '/events/export.approved', body: { exportId: 1 }, status: 404, code: 'unknown_event' },
  { method: 'GET', path: '/openapi.json', status: 200 },
  { method: 'GET', path: '/no-such-route', status: 404, code: 'not_found' },
];

const REFUSED: Array<[string, Record<string, string>]> = [
  ['no token', {}],
  ['a wrong token', { authorization: `Bearer ${WRONG_TOKEN}` }],
  ['a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
  ['the token plus a character', { authorization: `Bearer ${TOKEN}x` }],
  ['an empty bearer', { authorization: 'Bearer ' }],
  ['another scheme', { authorization: `Basic ${TOKEN}` }],
  ['the token without a scheme', { authorization: TOKEN }],
];

describe('auth matrix', () => {
  for (const route of ROUTES) {
    for (const [what, headers] of REFUSED) {
      it(`${route.method} ${route.path} with ${what} → 401`, async () => {
        const response = await server.request(route.method, route.path, { token: null, headers, body: route.body });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="conveyor"');
        expect((await errorJson(response)).error.code).toBe('unauthorized');
      });
    }
    for (const token of [TOKEN, OTHER_TOKEN]) {
      it(`${route.method} ${route.path} with a configured token → ${route.status}`, async () => {
        const response = await server.request(route.method, route.path, { token, body: route.body });
        expect(response.status).not.toBe(401);
        expect(response.status).toBeLessThan(500);
        expect(response.status).toBe(route.status);
        if (route.code !== undefined) expect((await errorJson(response)).error.code).toBe(route.code);
        else await response.body?.cancel(); // GET /events streams until the client leaves
      });
    }
  }

  it('accepts the scheme in any case and stores nothing for refused requests', async () => {
    const before = await server.jobCount();
    await server.request('POST', '/jobs', { token: WRONG_TOKEN, body: { task: 'email.send', input: { to: 'c@example.com', subject: 'x' } } });
    expect(await server.jobCount()).toBe(before);
    const response = await server.request('GET', '/jobs', { token: null, headers: { authorization: `bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
  });

  it('refuses to build without a token', () => {
    expect(() => tokenCheck([])).toThrow(ConveyorConfigError);
    expect(() => createServerApp({ deps: { conveyor: server.conveyor, logger: pino({ level: 'silent' }) }, tokens: [] })).toThrow(ConveyorConfigError);
  });
});

describe('parseApiTokens', () => {
  it('reads comma-separated tokens, trimming spaces', () => {
    expect(parseApiTokens(` ${TOKEN} , ${OTHER_TOKEN}`)).toEqual([TOKEN, OTHER_TOKEN]);
  });

  it.each([
    [undefined, 'is not set'],
    ['  ', 'is not set'],
    [`${TOKEN},,${OTHER_TOKEN}`, 'empty entry (token 2 of 3)'],
    ['short', 'token 1 of 1 is 5 characters; tokens need at least 16'],
    [`${TOKEN},${TOKEN}`, 'lists token 2 of 2 twice'],
    ['has a space in the middle!', 'character outside'],
    ['aaaaaaaaaaaaaaaa', 'token 1 of 1 has only 1 distinct character(s); tokens need at least 8'],
    ['abababababababababababababababab', 'has only 2 distinct character(s)'],
    [`${TOKEN},0101010101010101`, 'token 2 of 2 has only 2 distinct character(s)'],
    ['1234567890123456', 'token 1 of 1 is too easy to guess (about 53 bits'],
  ])('refuses %j naming the variable and showing an example', (value, problem) => {
    let error: unknown;
    try {
      parseApiTokens(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConveyorConfigError);
    expect((error as Error).message).toContain('CONVEYOR_API_TOKENS');
    expect((error as Error).message).toContain(problem);
    expect((error as Error).message).toContain('openssl rand -hex 32');
    expect((error as Error).message).not.toContain(TOKEN);
  });
});

describe('the token strength floor', () => {
  it('accepts random tokens, 16 hex digits being the shortest', () => {
    const tokens = ['3f9c0a7be14d2856', randomBytes(32).toString('hex'), randomBytes(24).toString('base64url'), TOKEN];
    expect(parseApiTokens(tokens.join(','))).toEqual(tokens);
    expect(() => tokenCheck(tokens)).not.toThrow();
  });

  it('refuses weak tokens given to createServerApp directly, naming the setting and how to make a good one', () => {
    const build = () => createServerApp({ deps: { conveyor: server.conveyor, logger: pino({ level: 'silent' }) }, tokens: [TOKEN, 'x'.repeat(40)] });
    expect(build).toThrow(ConveyorConfigError);
    expect(build).toThrow(/^createServerApp\(\{ tokens \}\).*: token 2 of 2 has only 1 distinct character\(s\).*openssl rand -hex 32/);
  });
});

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document describing every job route', async () => {
    const response = await server.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components?: { schemas?: Record<string, { properties?: Record<string, { enum?: string[] }> }> } };
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.fromEntries(Object.entries(doc.paths).map(([path, item]) => [path, Object.keys(item).sort()]))).toEqual({
      '/jobs': ['get', 'post'],
      '/jobs/bulk': ['post'],
      '/jobs/retry': ['post'],
      '/jobs/{id}': ['get'],
      '/jobs/{id}/cancel': ['post'],
      '/jobs/{id}/retry': ['post'],
      '/jobs/{id}/run-now': ['post'],
      '/queues': ['get'],
      '/queues/{name}/pause': ['post'],
      '/queues/{name}/resume': ['post'],
      '/workers': ['get'],
      '/orphans': ['get'],
      '/events': ['get'],
      '/events/{name}': ['post'],
      '/failure-groups': ['get'],
      '/failure-groups/{fingerprint}/retry': ['post'],
      '/jobs/{id}/artifacts': ['get'],
      '/jobs/{id}/artifacts/{name}': ['get'],
      '/jobs/{id}/artifacts/{name}/link': ['post'],
      '/artifacts/{jobId}/{name}': ['get'],
    });
  });

  it('defines the JobEvent that GET /events sends, with its state one of the job states', async () => {
    const response = await server.request('GET', '/openapi.json');
    const doc = (await response.json()) as { paths: Record<string, { get?: { description?: string } }>; components: { schemas: Record<string, { required?: string[]; properties?: Record<string, { enum?: string[] }> }> } };
    expect(doc.paths['/events']?.get?.description).toContain('#/components/schemas/JobEvent');
    const jobEvent = doc.components.schemas.JobEvent;
    expect(jobEvent).toBeDefined();
    expect(jobEvent?.required?.slice().sort()).toEqual(['artifact', 'at', 'attempt', 'jobId', 'progress', 'queue', 'seq', 'state', 'step', 'task']);
    expect(jobEvent?.properties?.state?.enum).toEqual([...JOB_STATES]);
  });
});

describe('extra route modules', () => {
  it('sit behind the same auth (but /health) and answer errors in the same shape', async () => {
    const extra = () =>
      new Hono()
        .get('/health', (c) => c.json({ ok: true }))
        .get('/boom', () => {
          throw new Error('secret internal detail');
        });
    const app = createServerApp({ deps: { conveyor: server.conveyor, logger: pino({ level: 'silent' }) }, tokens: [TOKEN], extraRoutes: [extra] });
    const health = await app.request('/health');
    expect(health.status).toBe(200);
    expect((await app.request('/boom')).status).toBe(401);
    const boom = await app.request('/boom', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(boom.status).toBe(500);
    const { error } = await errorJson(boom);
    expect(error).toEqual({ code: 'internal', message: expect.not.stringContaining('secret') });
  });

  it('take their public paths and login redirects from what each module declares, and nothing else', async () => {
    const pages = () => ({
      app: new Hono().get('/open', (c) => c.text('open')).get('/pages/one', (c) => c.text('page')),
      isPublic: (path: string) => path === '/open',
      loginRedirect: (path: string, pathWithQuery: string) => (path.startsWith('/pages/') ? `/sign-in?next=${encodeURIComponent(pathWithQuery)}` : null),
    });
    const logger = pino({ level: 'silent' });
    const app = createServerApp({ deps: { conveyor: server.conveyor, logger }, tokens: [TOKEN], extraRoutes: [pages] });
    expect((await app.request('/open')).status).toBe(200);
    const page = await app.request('/pages/one?x=1');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/sign-in?next=%2Fpages%2Fone%3Fx%3D1');
    expect((await app.request('/jobs')).status).toBe(401);
    // Without the dashboard mounted, its paths are nothing special: no redirect, no public login form.
    const apiOnly = createServerApp({ deps: { conveyor: server.conveyor, logger }, tokens: [TOKEN] });
    expect((await apiOnly.request('/')).status).toBe(401);
    expect((await apiOnly.request('/login')).status).toBe(401);
  });
});
