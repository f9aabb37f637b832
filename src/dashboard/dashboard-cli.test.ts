/** `conveyor serve` and `conveyor dev` serve the dashboard: their shared `withApiServer` mounts it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { withApiServer } from '../cli/api-server.js';
import { SESSION_COOKIE } from '../server/auth.js';

const TOKEN = 'cli-dashboard-token-0123456789abcdef';

let directory: string | undefined;
afterEach(() => {
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

describe('the CLI server', () => {
  it('serves the dashboard at /, behind the login form that takes the API token', async () => {
    directory = mkdtempSync(join(tmpdir(), 'conveyor-dashboard-cli-'));
    const command = new Command().option('--store <url>').parse(['--store', `sqlite:${join(directory, 'db')}`], { from: 'user' });
    await withApiServer(command, { tasks: [], tokens: [TOKEN], port: 0, host: '127.0.0.1' }, async ({ server }) => {
      const anonymous = await fetch(`${server.url}/`, { redirect: 'manual' });
      expect(anonymous.status).toBe(302);
      expect(anonymous.headers.get('location')).toBe('/login');
      const login = await fetch(`${server.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: TOKEN }).toString(),
      });
      expect(login.status).toBe(303);
      const cookie = login.headers.getSetCookie()[0]?.split(';')[0] ?? '';
      expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
      const overview = await fetch(`${server.url}/`, { headers: { cookie } });
      expect(overview.status).toBe(200);
      expect(await overview.text()).toContain('<h1>Overview</h1>');
    });
  });
});
