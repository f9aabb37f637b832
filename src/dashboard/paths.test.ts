/** Which paths are dashboard pages, which need no session, and where the login form may send a browser. */
import { describe, expect, it } from 'vitest';
import { isDashboardPath, isPublicDashboardPath, loginPathFor, safeNextPath } from './paths.js';

describe('dashboard paths', () => {
  it('tells pages from API routes', () => {
    for (const path of ['/', '/dashboard', '/dashboard/jobs', '/dashboard/jobs/4/retry']) expect(isDashboardPath(path)).toBe(true);
    for (const path of ['/jobs', '/dashboards', '/queues/mail/pause', '/events', '/health']) expect(isDashboardPath(path)).toBe(false);
  });

  it('needs no session for the login form, logout and the assets only', () => {
    for (const path of ['/login', '/logout', '/dashboard/assets/dashboard.css']) expect(isPublicDashboardPath(path)).toBe(true);
    for (const path of ['/', '/dashboard/jobs', '/dashboard/assets']) expect(isPublicDashboardPath(path)).toBe(false);
  });

  it('sends a browser back only to a path of this server', () => {
    expect(safeNextPath('/dashboard/jobs?state=dead')).toBe('/dashboard/jobs?state=dead');
    for (const next of [undefined, null, '', 'jobs', '//evil.example', '/\\evil.example', 'https://evil.example', '/x\n/y']) expect(safeNextPath(next)).toBe('/');
    expect(loginPathFor('/')).toBe('/login');
    expect(loginPathFor('/dashboard/jobs?q=a&b')).toBe('/login?next=%2Fdashboard%2Fjobs%3Fq%3Da%26b');
  });
});
