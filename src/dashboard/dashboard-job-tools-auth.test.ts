/**
 * The job tools' pages and form actions behind the dashboard's auth, over real HTTP: without a
 * session a page redirects to the login form and a post changes nothing; a post carrying the session
 * cookie from another site is refused (403) and changes nothing, however it names its origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorJson } from '../server/test-server.js';
import { logIn, sessionCookie } from '../testing/log-in.js';
import { sendEmail, startDashboardServer, TOKEN, type DashboardServer } from './testing/dashboard-server.js';

let server: DashboardServer;
let session: Record<string, string>;
let scheduledId: string;
beforeAll(async () => {
  server = await startDashboardServer();
  session = sessionCookie(await logIn(server.url, TOKEN));
  scheduledId = (await server.conveyor.enqueue(sendEmail, { to: 'auth@example.com', subject: 'later' }, { delayMs: 3_600_000 })).job.id;
});
afterAll(async () => {
  await server.close();
});

const PAGES = ['/dashboard/enqueue', '/dashboard/enqueue?task=email.send', '/dashboard/enqueue?copyOf={id}', '/dashboard/bulk/cancel?queue=mail'];
/** Each post with the fields a dashboard page would send: each would change the scheduled job if let through. */
const POSTS: Array<[path: string, fields: Record<string, string>]> = [
  ['/dashboard/jobs/{id}/run-now', {}],
  ['/dashboard/enqueue', { task: 'email.send', view: 'json', input: '{"to":"x@example.com","subject":"forged"}' }],
  ['/dashboard/bulk/cancel', { queue: 'mail' }],
];

const resolve = (path: string) => path.replace('{id}', scheduledId);

async function mailJobs(): Promise<unknown> {
  return (await server.conveyor.listJobs({ queue: 'mail' })).jobs.map((job) => [job.id, job.state, job.runAt.getTime()]);
}

function post(path: string, fields: Record<string, string>, headers: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}${resolve(path)}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
}

describe('the job tools behind the dashboard auth', () => {
  for (const path of PAGES) {
    it(`GET ${path} without a session → 302 to the login form; with one → 200`, async () => {
      const anonymous = await fetch(`${server.url}${resolve(path)}`, { redirect: 'manual' });
      expect(anonymous.status).toBe(302);
      expect(new URL(anonymous.headers.get('location') ?? '', server.url).pathname).toBe('/login');
      const logged = await fetch(`${server.url}${resolve(path)}`, { headers: session, redirect: 'manual' });
      expect(logged.status).toBe(200);
    });
  }

  for (const [path, fields] of POSTS) {
    it(`POST ${path} without a session, or with the cookie from another site, changes nothing`, async () => {
      const before = await mailJobs();
      const anonymous = await post(path, fields, { origin: server.url, 'sec-fetch-site': 'same-origin' });
      expect(anonymous.status).toBe(302);
      const crossSiteHeaders: Array<Record<string, string>> = [{}, { origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: server.url }];
      for (const headers of crossSiteHeaders) {
        const crossSite = await post(path, fields, { ...session, ...headers });
        expect(crossSite.status).toBe(403);
        expect((await errorJson(crossSite)).error.code).toBe('cross_site_request');
      }
      expect(await mailJobs()).toEqual(before);
    });
  }
});
