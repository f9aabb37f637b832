/**
 * The schedules page over real HTTP and a real SQLite store: each schedule with its cron, task,
 * queue and next run; pause and resume change its state; "Run now" enqueues its job at once (the
 * redirect opens that job), leaves the next tick where it was, and a second click in the same
 * second returns the same job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSchedule } from '../schedule/define-schedule.js';
import { logIn, sessionCookie } from '../testing/log-in.js';
import { sendEmail, startDashboardServer, TOKEN, type DashboardServer } from './testing/dashboard-server.js';

let server: DashboardServer;
let session: string;
const digest = defineSchedule({ name: 'mail.digest', task: sendEmail, cron: '0 3 * * *', timeZone: 'Europe/Berlin', input: { to: 'team@example.com', subject: 'digest' } });
beforeAll(async () => {
  server = await startDashboardServer();
  session = await logIn(server.url, TOKEN);
  await server.conveyor.schedules.upsert(digest);
});
afterAll(async () => {
  await server.close();
});

async function get(path: string): Promise<string> {
  const response = await fetch(`${server.url}${path}`, { headers: sessionCookie(session) });
  expect(response.status, path).toBe(200);
  return response.text();
}

async function post(path: string): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', redirect: 'manual', headers: { ...sessionCookie(session), origin: server.url, 'sec-fetch-site': 'same-origin' } });
}

const stored = async () => (await server.conveyor.schedules.list()).find((schedule) => schedule.name === 'mail.digest')!;

describe('schedules page', () => {
  it('lists each schedule with its cron, time zone, task, queue and next run', async () => {
    const markup = await get('/dashboard/schedules');
    expect(markup).toContain('data-schedule="mail.digest"');
    expect(markup).toContain('<code>0 3 * * *</code>');
    expect(markup).toContain('Europe/Berlin');
    expect(markup).toContain('href="/dashboard/queues/mail"');
    expect(markup).toContain(`datetime="${(await stored()).nextRunAt.toISOString()}"`);
    expect(markup).toMatch(/data-last-run><span class="muted">not yet/);
  });

  it('pauses and resumes a schedule', async () => {
    expect((await post('/dashboard/schedules/mail.digest/pause')).status).toBe(303);
    expect((await stored()).pausedAt).not.toBeNull();
    expect(await get('/dashboard/schedules')).toMatch(/data-schedule-state>paused/);
    await post('/dashboard/schedules/mail.digest/resume');
    expect((await stored()).pausedAt).toBeNull();
    expect(await get('/dashboard/schedules')).toMatch(/data-schedule-state>active/);
  });

  it('runs a schedule now without moving its next tick, one job per second however often clicked', async () => {
    const before = (await stored()).nextRunAt;
    const [first, second] = await Promise.all([post('/dashboard/schedules/mail.digest/run'), post('/dashboard/schedules/mail.digest/run')]);
    const location = first.headers.get('location');
    expect(location).toMatch(/^\/dashboard\/jobs\/\d+$/);
    const job = await server.conveyor.getJob(location!.split('/').pop()!);
    expect(job).toMatchObject({ task: 'email.send', queue: 'mail', input: { to: 'team@example.com', subject: 'digest' } });
    expect(job?.dedupKey).toMatch(/^schedule:mail\.digest:run-now:/);
    // Both requests usually land in the same second; when they straddle one, each is its own run.
    const secondJob = second.headers.get('location');
    if (secondJob !== location) expect((await server.conveyor.getJob(secondJob!.split('/').pop()!))?.dedupKey).not.toBe(job?.dedupKey);
    expect((await stored()).nextRunAt).toEqual(before);
  });

  it('says so when the schedule is gone', async () => {
    const response = await post('/dashboard/schedules/no.such/run');
    expect(response.headers.get('location')).toBe('/dashboard/schedules');
    expect(response.headers.getSetCookie().join()).toContain('conveyor_flash');
  });
});
