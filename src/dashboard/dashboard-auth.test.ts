/**
 * The dashboard's auth over real HTTP: every page and form action without a valid credential
 * redirects to the login form (the API keeps answering 401), the session cookie works on the API
 * like the bearer token, cookie-authenticated changes must come from this server's pages (CSRF), the
 * login form's cookie flags, open-redirect safety, logout, and the security headers of pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../server/auth.js';
import { errorJson, WRONG_TOKEN } from '../server/test-server.js';
import { logIn, sessionCookie } from '../testing/log-in.js';
import { FLASH_COOKIE, type Flash } from './cookies.js';
import { renderInvoice, startDashboardServer, TOKEN, type DashboardServer } from './testing/dashboard-server.js';

let server: DashboardServer;
/** The cookie header of a session opened in `beforeAll` through the login form. */
const good: Record<string, string> = {};
/** A job a real worker made dead (a negative amount always throws); the worker is stopped, so a retried job stays queued. */
let deadJobId: string;
beforeAll(async () => {
  server = await startDashboardServer();
  Object.assign(good, sessionCookie(await logIn(server.url, TOKEN)));
  const worker = await server.startWorker([renderInvoice]);
  deadJobId = (await server.conveyor.enqueue(renderInvoice, { customer: 'Auth', amountCents: -1 })).job.id;
  expect((await server.conveyor.waitFor(deadJobId, { timeoutMs: 10_000 })).state).toBe('dead');
  await worker.stop();
});
afterAll(async () => {
  await server.close();
});

const cookie = (token: string) => ({ cookie: `${SESSION_COOKIE}=${encodeURIComponent(token)}` });
const sameOrigin = () => ({ origin: server.url, 'sec-fetch-site': 'same-origin' });

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
  return fetch(`${server.url}${path}`, { method, headers, body, redirect: 'manual' });
}

function setCookieHeaders(response: Response): string[] {
  return response.headers.getSetCookie();
}

/** The notice an action left in its cookie. */
function flashOf(response: Response): Flash | undefined {
  const value = setCookieHeaders(response)
    .find((header) => header.startsWith(`${FLASH_COOKIE}=`))
    ?.slice(FLASH_COOKIE.length + 1)
    .split(';')[0];
  return value === undefined ? undefined : (JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Flash);
}

/** A path with `{dead}` standing for the dead job's id (known once `beforeAll` made it). */
const resolve = (path: string) => path.replace('{dead}', deadJobId);

/** Every job's state and every queue's pause switch: what an action could change. */
async function snapshot(): Promise<unknown> {
  const { conveyor } = server;
  const jobs = (await conveyor.listJobs({}, { limit: 1000 })).jobs.map((job) => ({ id: job.id, state: job.state, attempt: job.attempt, cancelRequestedAt: job.cancelRequestedAt }));
  const queues = (await conveyor.listQueues()).map((queue) => ({ name: queue.name, paused: queue.paused }));
  return { jobs, queues };
}

async function jobState(): Promise<string | undefined> {
  return (await server.conveyor.getJob(deadJobId))?.state;
}

async function mailPaused(): Promise<boolean> {
  return (await server.conveyor.listQueues()).find((queue) => queue.name === 'mail')?.paused ?? false;
}

/** Each page with a valid credential: its exact status (`/dashboard` redirects to the overview). */
const PAGES: Array<[path: string, status: 200 | 302 | 404]> = [
  ['/', 200],
  ['/dashboard', 302],
  ['/dashboard/jobs', 200],
  ['/dashboard/jobs?state=dead&q=x', 200],
  ['/dashboard/jobs?state=failed,dead', 200],
  ['/dashboard/jobs/{dead}', 200],
  ['/dashboard/jobs/1000000', 404],
  ['/dashboard/jobs/not-a-number', 404],
  ['/dashboard/jobs/123456789012345678901234567890', 404],
  ['/dashboard/failures', 200],
  ['/dashboard/workers', 200],
  ['/dashboard/no-such-page', 404],
];

/** Each form action, where it sends the browser back to, and what it did (run in this order, on the dead job and queue "mail"). */
const ACTIONS: Array<{ path: string; back: string; outcome: (flash: Flash | undefined) => Promise<void> }> = [
  {
    path: '/dashboard/jobs/{dead}/retry',
    back: '/dashboard/jobs/{dead}',
    outcome: async (flash) => {
      expect(flash).toEqual({ kind: 'ok', text: expect.stringContaining(`Job #${deadJobId} is queued again`) });
      expect(await jobState()).toBe('queued');
    },
  },
  {
    path: '/dashboard/jobs/{dead}/cancel',
    back: '/dashboard/jobs/{dead}',
    outcome: async (flash) => {
      expect(flash).toEqual({ kind: 'ok', text: `Job #${deadJobId} is cancelled.` });
      expect(await jobState()).toBe('cancelled');
    },
  },
  {
    path: '/dashboard/queues/mail/pause',
    back: '/',
    outcome: async (flash) => {
      expect(flash).toEqual({ kind: 'ok', text: expect.stringContaining('Paused queue "mail"') });
      expect(await mailPaused()).toBe(true);
    },
  },
  {
    path: '/dashboard/queues/mail/resume',
    back: '/',
    outcome: async (flash) => {
      expect(flash).toEqual({ kind: 'ok', text: 'Resumed queue "mail".' });
      expect(await mailPaused()).toBe(false);
    },
  },
  {
    path: '/dashboard/failures/0123456789abcdef/retry',
    back: '/dashboard/failures',
    outcome: async (flash) => {
      expect(flash).toEqual({ kind: 'error', text: expect.stringContaining('No failed or dead job is left in that group') });
    },
  },
];

const UNAUTHENTICATED: Array<[string, Record<string, string>]> = [
  ['no credential', {}],
  ['a wrong session cookie', cookie(WRONG_TOKEN)],
  ['an empty session cookie', { cookie: `${SESSION_COOKIE}=` }],
  ['a wrong bearer token', { authorization: `Bearer ${WRONG_TOKEN}` }],
  // A getter: the good session exists only once `beforeAll` logged in.
  ['a wrong bearer token beside a good cookie', { authorization: `Bearer ${WRONG_TOKEN}`, get cookie() { return good.cookie ?? ''; } }],
];

describe('dashboard pages and actions', () => {
  for (const [path, status] of PAGES) {
    for (const [what, headers] of UNAUTHENTICATED) {
      it(`GET ${path} with ${what} → 302 to the login form`, async () => {
        const response = await send('GET', resolve(path), headers);
        expect(response.status).toBe(302);
        const location = new URL(response.headers.get('location') ?? '', server.url);
        expect(location.pathname).toBe('/login');
        expect(location.searchParams.get('next') ?? '/').toBe(resolve(path));
      });
    }
    for (const [what, headers] of [['the session cookie', good], ['a bearer token', { authorization: `Bearer ${TOKEN}` }]] as const) {
      it(`GET ${path} with ${what} → ${status}`, async () => {
        const response = await send('GET', resolve(path), headers);
        expect(response.status).toBe(status);
        if (status === 302) expect(response.headers.get('location')).toBe('/'); // /dashboard → the overview
        else expect(response.headers.get('content-type')).toContain('text/html');
      });
    }
  }

  for (const { path, back, outcome } of ACTIONS) {
    it(`POST ${path} without a credential → 302 to the login form, and changes nothing`, async () => {
      const before = await snapshot();
      const response = await send('POST', resolve(path), sameOrigin());
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toMatch(/^\/login\?next=/);
      expect(flashOf(response)).toBeUndefined();
      expect(await snapshot()).toEqual(before);
    });
    it(`POST ${path} with the cookie from another site → 403, and changes nothing`, async () => {
      const before = await snapshot();
      const crossSite: Array<Record<string, string>> = [{}, { origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: server.url }];
      for (const headers of crossSite) {
        const response = await send('POST', resolve(path), { ...good, ...headers });
        expect(response.status).toBe(403);
        expect((await errorJson(response)).error.code).toBe('cross_site_request');
      }
      expect(await snapshot()).toEqual(before);
    });
    it(`POST ${path} with the cookie from a dashboard page → 303 back to ${back} with a notice, having acted`, async () => {
      const response = await send('POST', resolve(path), { ...good, ...sameOrigin() });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(resolve(back));
      expect(setCookieHeaders(response).some((header) => header.startsWith('conveyor_flash='))).toBe(true);
      await outcome(flashOf(response));
    });
  }

  it('a page answers with a strict Content-Security-Policy and no caching; an API route has no CSP', async () => {
    const page = await send('GET', '/', good);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const api = await send('GET', '/jobs', good);
    expect(api.headers.get('content-security-policy')).toBeNull();
  });
});

describe('the session cookie on the API', () => {
  it('is accepted like the bearer token for reads', async () => {
    for (const path of ['/jobs', '/queues', '/workers', '/orphans', '/failure-groups']) {
      expect((await send('GET', path, good)).status).toBe(200);
    }
  });

  it('opens the event stream (EventSource cannot send Authorization)', async () => {
    const abort = new AbortController();
    const response = await fetch(`${server.url}/events`, { headers: good, signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    abort.abort();
  });

  it('enqueues from a page of this server, and is refused from anywhere else', async () => {
    const body = JSON.stringify({ task: 'email.send', input: { to: 'a@example.com', subject: 'hi' } });
    const json = { 'content-type': 'application/json' };
    expect((await send('POST', '/jobs', { ...json, ...good, ...sameOrigin() }, body)).status).toBe(201);
    const crossSite = await send('POST', '/jobs', { ...json, ...good, origin: 'https://evil.example' }, body);
    expect(crossSite.status).toBe(403);
    // An Origin naming this host is accepted when the browser sends no Sec-Fetch-Site.
    expect((await send('POST', '/jobs', { ...json, ...good, origin: server.url }, body)).status).toBe(201);
  });

  it('answers 401 JSON (not a redirect) on API routes when the cookie is wrong', async () => {
    const response = await send('GET', '/jobs', cookie(WRONG_TOKEN));
    expect(response.status).toBe(401);
    expect((await errorJson(response)).error.message).toContain('/login');
  });
});

describe('login and logout', () => {
  it('serves the login form and its stylesheet without a session', async () => {
    const form = await send('GET', '/login');
    expect(form.status).toBe(200);
    const text = await form.text();
    expect(text).toContain('name="token"');
    const stylesheet = /href="(\/dashboard\/assets\/dashboard\.css\?v=[0-9a-f]+)"/.exec(text)?.[1];
    expect(stylesheet).toBeDefined();
    const css = await send('GET', stylesheet ?? '');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
  });

  it('refuses a wrong token with the form again and no cookie', async () => {
    const response = await send('POST', '/login', { ...sameOrigin(), 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ token: WRONG_TOKEN }).toString());
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('not one this server accepts');
    expect(setCookieHeaders(response)).toEqual([]);
  });

  it('sets an HttpOnly, SameSite=Strict session cookie, Secure only over HTTPS (X-Forwarded-Proto)', async () => {
    const form = { ...sameOrigin(), 'content-type': 'application/x-www-form-urlencoded' };
    const body = new URLSearchParams({ token: TOKEN, next: '/dashboard/jobs?state=dead' }).toString();
    const plain = await send('POST', '/login', form, body);
    expect(plain.status).toBe(303);
    expect(plain.headers.get('location')).toBe('/dashboard/jobs?state=dead');
    const [session] = setCookieHeaders(plain);
    expect(session).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(session).toContain('HttpOnly');
    expect(session).toContain('SameSite=Strict');
    expect(session).toContain('Path=/');
    expect(session).not.toContain('Secure');
    const proxied = await send('POST', '/login', { ...form, 'x-forwarded-proto': 'https' }, body);
    expect(setCookieHeaders(proxied)[0]).toContain('Secure');
  });

  it('never redirects off this server after login', async () => {
    const form = { ...sameOrigin(), 'content-type': 'application/x-www-form-urlencoded' };
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)']) {
      const response = await send('POST', '/login', form, new URLSearchParams({ token: TOKEN, next }).toString());
      expect(response.headers.get('location')).toBe('/');
    }
  });

  it('refuses a login form posted from another site', async () => {
    const response = await send('POST', '/login', { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ token: TOKEN }).toString());
    expect(response.status).toBe(403);
    expect(setCookieHeaders(response)).toEqual([]);
  });

  it('sends a logged-in browser from the login form to where it was going', async () => {
    const response = await send('GET', '/login?next=%2Fdashboard%2Fworkers', good);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/dashboard/workers');
  });

  it('logs out by revoking the session in the store and clearing the cookie: a copy of the cookie is refused after', async () => {
    const copied = sessionCookie(await logIn(server.url, TOKEN));
    expect((await send('GET', '/jobs', copied)).status).toBe(200);
    const response = await send('POST', '/logout', { ...copied, ...sameOrigin() });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    expect(setCookieHeaders(response)[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=; Max-Age=0`));
    const after = await send('GET', '/jobs', copied);
    expect(after.status).toBe(401);
    expect((await errorJson(after)).error.message).toContain('log in again at /login');
    expect((await send('GET', '/', copied)).status).toBe(302);
    expect((await send('GET', '/jobs', good)).status, 'other sessions go on').toBe(200);
  });

  it('sets a session, never the token, in the cookie, for 12 hours; the token itself or a forged session as a cookie is refused', async () => {
    const form = { ...sameOrigin(), 'content-type': 'application/x-www-form-urlencoded' };
    const response = await send('POST', '/login', form, new URLSearchParams({ token: TOKEN }).toString());
    const header = setCookieHeaders(response)[0] ?? '';
    expect(header).not.toContain(TOKEN);
    expect(header).not.toContain(encodeURIComponent(TOKEN));
    expect(header).toContain('Max-Age=43200');
    const value = header.slice(SESSION_COOKIE.length + 1).split(';')[0] ?? '';
    expect(value).toMatch(/^v1\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    const [version, secret, signature] = value.split('.') as [string, string, string];
    const forgeries = [
      TOKEN,
      `${version}.${secret}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
      `${version}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}.${signature}`,
      `v2.${secret}.${signature}`,
    ];
    for (const forged of forgeries) expect((await send('GET', '/jobs', cookie(forged))).status, forged).toBe(401);
    expect((await send('GET', '/jobs', cookie(value))).status).toBe(200);
  });
});
