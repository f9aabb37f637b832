/** `conveyor dev` run for real as a child process: API, worker and example tasks in one process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killStragglers, startCli } from './fixtures/run.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'conveyor-dev-test-'));
});

afterEach(() => {
  killStragglers();
  rmSync(directory, { recursive: true, force: true });
});

/** GET the job until it is final; the worker settles it in well under a second. */
async function waitUntilFinal(url: string, headers: Record<string, string>): Promise<{ state: string; result: unknown }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { job } = (await (await fetch(url, { headers })).json()) as { job: { state: string; result: unknown } };
    if (['succeeded', 'dead', 'cancelled'].includes(job.state) || Date.now() > deadline) return job;
    await sleep(50);
  }
}

describe('conveyor dev', () => {
  it('prints a generated token and the URLs, runs an enqueued example job on its worker, and stops on SIGTERM', async () => {
    const running = startCli(['--store', `sqlite:${join(directory, 'dev.db')}`, 'dev', '--port', '0'], { CONVEYOR_API_TOKENS: '' });
    const stdout = await running.waitForStdout('Ctrl-C to stop');
    const url = /API on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)?.[1];
    const token = /token: +([A-Za-z0-9_-]{32}) /.exec(stdout)?.[1];
    expect(url).toBeDefined();
    expect(token).toBeDefined();
    expect(stdout).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(log in with the token\)/);
    for (const path of ['/openapi.json', '/health', '/ready', '/metrics']) expect(stdout).toContain(`${url}${path}`);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/jobs`)).status).toBe(401);

    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${url}/jobs`, { method: 'POST', headers, body: JSON.stringify({ task: 'email.welcome', input: { to: 'ada@example.com', name: 'Ada' } }) });
    expect(created.status).toBe(201);
    const { job } = (await created.json()) as { job: { id: string } };
    expect(await waitUntilFinal(`${url}/jobs/${job.id}`, headers)).toMatchObject({ state: 'succeeded', result: { messageId: expect.stringContaining('Welcome aboard, Ada!') } });
    // The worker is observed by the server's metrics, and it counts as live for readiness.
    const metrics = await (await fetch(`${url}/metrics`, { headers })).text();
    expect(metrics).toMatch(/^conveyor_job_outcomes_total\{queue="emails",task="email.welcome",outcome="succeeded"\} 1$/m);
    const ready = await fetch(`${url}/ready`, { headers });
    expect(await ready.json()).toMatchObject({ checks: expect.arrayContaining([expect.objectContaining({ name: 'live-worker', ok: true })]) });

    // The quick start's export writes a CSV artifact; dev signs links with a key made for the run.
    expect(stdout).toContain('links:     signed artifact download links signed with a key made for this run');
    const exported = await fetch(`${url}/jobs`, { method: 'POST', headers, body: JSON.stringify({ task: 'report.export', input: { from: '2026-01-01', to: '2026-01-10', groupBy: 'day' } }) });
    const exportJob = ((await exported.json()) as { job: { id: string } }).job;
    expect(await waitUntilFinal(`${url}/jobs/${exportJob.id}`, headers)).toMatchObject({ state: 'succeeded', result: { artifact: 'report.csv', rows: 10 } });
    const link = (await (await fetch(`${url}/jobs/${exportJob.id}/artifacts/report.csv/link`, { method: 'POST', headers: { authorization: headers.authorization } })).json()) as { url: string };
    // With --port 0 dev cannot know its address before it listens: the link is a path on it.
    expect(link.url).toMatch(new RegExp(`^/artifacts/${exportJob.id}/report\\.csv\\?expires=\\d+&signature=[0-9a-f]{64}$`));
    const download = await fetch(`${url}${link.url}`);
    expect(download.status).toBe(200);
    expect((await download.text()).split('\n')[0]).toBe('period_start,orders,revenue_eur');

    running.child.kill('SIGTERM');
    const finished = await running.finished;
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain(`job ${job.id} email.welcome attempt 1/5: succeeded`);
    expect(finished.stdout).toContain('conveyor dev stopped');
  });

  it('uses the tokens of CONVEYOR_API_TOKENS when set, without printing them', async () => {
    const token = 'dev-test-token-0123456789abcdef';
    const running = startCli(['--store', `sqlite:${join(directory, 'dev.db')}`, 'dev', '--port', '0'], { CONVEYOR_API_TOKENS: token });
    const stdout = await running.waitForStdout('Ctrl-C to stop');
    expect(stdout).not.toContain(token);
    expect(stdout).toContain('token:     from $CONVEYOR_API_TOKENS');
    const url = /API on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)?.[1];
    expect((await fetch(`${url}/jobs`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    running.child.kill('SIGINT');
    expect((await running.finished).code).toBe(0);
  });
});
