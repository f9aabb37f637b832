/**
 * Logging in to the dashboard in real Chromium: a page asked for without a session lands on the login
 * form, a wrong token is refused, the right one sets the session cookie (HttpOnly, SameSite=Strict;
 * not Secure over plain HTTP) and comes back to the page asked for, and logging out ends the session.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../server/auth.js';
import { WRONG_TOKEN } from '../server/test-server.js';
import { describeWithChromium } from './testing/chromium.js';
import { startDashboardServer, TOKEN, type DashboardServer } from './testing/dashboard-server.js';

describeWithChromium('dashboard login in Chromium', (suite) => {
  let server: DashboardServer;
  beforeAll(async () => {
    server = await startDashboardServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('sends a visitor without a session to the login form, refuses a wrong token, and lets the right one in', async () => {
    const { context, page } = await suite.newPage();
    await page.goto(`${server.url}/dashboard/workers`);
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.fill('input[name=token]', WRONG_TOKEN);
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[data-login-problem]').textContent(), { timeout: 10_000 }).toContain('not one this server accepts');
    expect(await context.cookies()).toEqual([]);

    await page.fill('input[name=token]', TOKEN);
    await Promise.all([page.waitForURL(`${server.url}/dashboard/workers`), page.click('button[type=submit]')]);
    expect(await page.locator('h1').textContent()).toBe('Workers');

    const [session, ...others] = await context.cookies();
    expect(others).toEqual([]);
    expect(session).toMatchObject({ name: SESSION_COOKIE, httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
    // HttpOnly: the page's scripts cannot read the token.
    expect(await page.evaluate('document.cookie')).not.toContain(SESSION_COOKIE);
  });

  it('logs out', async () => {
    const { context, page } = await suite.newPage();
    await server.logIn(page);
    expect(new URL(page.url()).pathname).toBe('/');
    await Promise.all([page.waitForURL(`${server.url}/login`), page.click('text=Log out')]);
    expect(await context.cookies()).toEqual([]);
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});
