/** `conveyor serve` run for real as a child process: refuses to start without tokens, serves, stops cleanly. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, FIXTURE_TASKS, killStragglers, startCli } from './fixtures/run.js';

const TOKEN = 'cli-test-token-0123456789abcdef';
let directory: string;
let store: string[];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'conveyor-serve-test-'));
  store = ['--store', `sqlite:${join(directory, 'db')}`];
});

afterEach(() => {
  killStragglers();
  rmSync(directory, { recursive: true, force: true });
});

describe('conveyor serve', () => {
  it('refuses to start without CONVEYOR_API_TOKENS, naming it with an example', async () => {
    const result = await cli([...store, 'serve', '--tasks', FIXTURE_TASKS, '--port', '0'], { CONVEYOR_API_TOKENS: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: CONVEYOR_API_TOKENS: is not set');
    expect(result.stderr).toContain('openssl rand -hex 32');
  });

  it('serves the API with the module’s tasks and stops on SIGTERM', async () => {
    const running = startCli([...store, 'serve', '--tasks', FIXTURE_TASKS, '--port', '0'], { CONVEYOR_API_TOKENS: `other-token-0123456789abcdef,${TOKEN}` });
    const stdout = await running.waitForStdout('Ctrl-C to stop');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect(url).toBeDefined();
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${url}/jobs`, { method: 'POST', headers, body: JSON.stringify({ task: 'fixture.greet', input: { name: 'Ada' } }) });
    expect(created.status).toBe(201);
    const { job } = (await created.json()) as { job: { id: string; state: string } };
    const read = await fetch(`${url}/jobs/${job.id}`, { headers });
    expect(await read.json()).toMatchObject({ job: { id: job.id, task: 'fixture.greet', state: 'queued' } });
    expect((await fetch(`${url}/jobs`)).status).toBe(401);
    // Health needs no token; readiness and metrics do. No worker runs here, so the server is not ready.
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    for (const path of ['/ready', '/metrics']) {
      const anonymous = await fetch(`${url}${path}`);
      expect({ path, status: anonymous.status, challenge: anonymous.headers.get('www-authenticate') }).toEqual({ path, status: 401, challenge: 'Bearer realm="conveyor"' });
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    const ready = await fetch(`${url}/ready`, { headers });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, checks: expect.arrayContaining([expect.objectContaining({ name: 'live-worker', ok: false })]) });
    const metrics = await (await fetch(`${url}/metrics`, { headers })).text();
    expect(metrics).toMatch(/^conveyor_jobs_enqueued_total\{queue="default",task="fixture.greet"\} 1$/m);
    expect(metrics).toMatch(/^conveyor_jobs\{queue="default",state="queued"\} 1$/m);
    running.child.kill('SIGTERM');
    const finished = await running.finished;
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain('conveyor serve stopped');
  });
});
