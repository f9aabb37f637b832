/**
 * Talking to a test dashboard over real HTTP as a logged-in browser would: pages with the session
 * cookie, and form posts from this server's own pages (same origin), without following redirects,
 * with the notice an action left in its cookie readable.
 */
import { expect } from 'vitest';
import { logIn, sessionCookie } from '../../testing/log-in.js';
import { FLASH_COOKIE, type Flash } from '../cookies.js';
import { TOKEN, type DashboardServer } from './dashboard-server.js';

export interface DashboardHttp {
  /** GET a page; expects 200 and returns its markup. */
  page(path: string): Promise<string>;
  /** GET a page with the session, whatever its status, redirects not followed. */
  get(path: string): Promise<Response>;
  /** POST a form (fields url-encoded) as a dashboard page does; the response, redirects not followed. */
  post(path: string, fields?: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
}

export async function dashboardHttp(server: DashboardServer): Promise<DashboardHttp> {
  const session = sessionCookie(await logIn(server.url, TOKEN));
  return {
    get: (path) => fetch(`${server.url}${path}`, { headers: session, redirect: 'manual' }),
    page: async (path) => {
      const response = await fetch(`${server.url}${path}`, { headers: session });
      expect(response.status, `GET ${path}`).toBe(200);
      return response.text();
    },
    post: (path, fields = {}, headers = {}) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...session, origin: server.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(fields).toString(),
      }),
  };
}

/** The notice an action left in its cookie, if any. */
export function flashOf(response: Response): Flash | undefined {
  const value = response.headers
    .getSetCookie()
    .find((header) => header.startsWith(`${FLASH_COOKIE}=`))
    ?.slice(FLASH_COOKIE.length + 1)
    .split(';')[0];
  return value === undefined || value === '' ? undefined : (JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Flash);
}
