/**
 * The dashboard's cookies: the session (set by the login form; see `server/sessions.ts`) and a one-shot notice
 * shown on the next page after a form action ("Retried 12 jobs"). Both are HttpOnly (no script can
 * read them), SameSite=Strict (no other site's page sends them), path `/`, and Secure when the page
 * was served over HTTPS.
 *
 * The HTTPS rule: the request URL is `https:` (the server itself terminates TLS), or the first value
 * of `X-Forwarded-Proto` is `https` (a TLS-terminating proxy in front says so). Trusting the header
 * is safe here: a client that forges it only makes its own cookie stricter.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import { SESSION_COOKIE } from '../server/auth.js';

export const FLASH_COOKIE = 'conveyor_flash';

/** A notice for the next page: what an action did, or why it could not. */
export interface Flash {
  kind: 'ok' | 'error';
  text: string;
  /** A URL to show after the text, in a field to copy from (a signed artifact link). */
  link?: string;
}

/** Longest link a notice keeps: a signed link to a 255-byte name, percent-encoded, behind a long public URL. */
const MAX_FLASH_LINK_CHARS = 2000;

/** Whether the browser reached this server over HTTPS, directly or through a proxy that says so. */
export function isHttpsRequest(c: Context): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https';
}

function cookieOptions(c: Context): CookieOptions {
  return { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttpsRequest(c) };
}

/** Log in: the cookie holds the session (never the token) and lasts as long as it does. */
export function setSessionCookie(c: Context, session: string, maxAgeMs: number): void {
  setCookie(c, SESSION_COOKIE, session, { ...cookieOptions(c), maxAge: Math.floor(maxAgeMs / 1000) });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
}

export function setFlash(c: Context, flash: Flash): void {
  const value = Buffer.from(JSON.stringify(flash), 'utf8').toString('base64url');
  setCookie(c, FLASH_COOKIE, value, { ...cookieOptions(c), maxAge: 60 });
}

/** The notice left by the previous action, cleared as it is read; null when there is none or it is malformed. */
export function takeFlash(c: Context): Flash | null {
  const value = getCookie(c, FLASH_COOKIE);
  if (value === undefined) return null;
  deleteCookie(c, FLASH_COOKIE, cookieOptions(c));
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Flash>;
    if ((parsed.kind === 'ok' || parsed.kind === 'error') && typeof parsed.text === 'string') {
      const flash: Flash = { kind: parsed.kind, text: parsed.text.slice(0, 500) };
      if (typeof parsed.link === 'string' && parsed.link.length <= MAX_FLASH_LINK_CHARS) flash.link = parsed.link;
      return flash;
    }
  } catch {
    // A cookie this server did not write: show nothing.
  }
  return null;
}
