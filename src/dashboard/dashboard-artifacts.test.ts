/**
 * Artifacts on the job page over real HTTP, on a real server and SQLite file with a real worker: the
 * page lists what each attempt wrote (names escaped), the download link streams the bytes with the
 * headers of an attachment, only to a logged-in session, and "Copy link" makes a signed link when a
 * signing key is set. Then in real Chromium: a file appears on the open page as the running job
 * writes it, and clicking its link downloads it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { logIn, sessionCookie } from '../testing/log-in.js';
import { defineTask } from '../task.js';
import { FLASH_COOKIE, type Flash } from './cookies.js';
import { describeWithChromium } from './testing/chromium.js';
import { sendEmail, startDashboardServer, TOKEN, type DashboardServer } from './testing/dashboard-server.js';

const SIGNING_KEY = 'dashboard-artifacts-test-signing-key-0123456789';
/** Quotes, markup, `%` and a non-ASCII letter: escaped in the page, encoded in the link and the header. */
const HOSTILE_NAME = `"'><img src=x onerror=alert(1)> 100% ü.csv`;
const CSV = 'id,total\n1,42\n2,7\n';
/** Past the store backend's 1 MiB chunks, so a download crosses several. */
const BIG = randomBytes(3 * 1024 * 1024 + 17);

/** Writes a CSV and a big binary file; its first attempt also writes a log and fails, so two attempts hold `log.txt`. */
const writeReport = defineTask({
  name: 'report.write',
  queue: 'reports',
  input: z.object({ failFirst: z.boolean() }),
  retry: { maxAttempts: 2, backoff: { initialMs: 0, jitter: 0 } },
  run: async ({ failFirst }, { artifacts, job }) => {
    await artifacts.put('log.txt', `attempt ${job.attempt}\n`);
    if (failFirst && job.attempt === 1) throw new Error('first attempt fails after writing its log');
    await artifacts.put(HOSTILE_NAME, CSV);
    await artifacts.put('data.bin', BIG, { contentType: 'application/octet-stream' });
    return { rows: 2 };
  },
});

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** A promise and its resolve (Node 20 has no Promise.withResolvers). */
function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function flashOf(response: Response): Flash | undefined {
  const value = response.headers
    .getSetCookie()
    .find((header) => header.startsWith(`${FLASH_COOKIE}=`))
    ?.slice(FLASH_COOKIE.length + 1)
    .split(';')[0];
  return value === undefined ? undefined : (JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Flash);
}

describe('artifacts on the dashboard, over HTTP', () => {
  let server: DashboardServer;
  let session: { cookie: string };
  let jobId: string;
  let emptyJobId: string;
  const get = (path: string, headers: Record<string, string> = session) => fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
  const hrefOf = (name: string, attempt: number) => `/dashboard/jobs/${jobId}/artifacts/${encodeURIComponent(name)}?attempt=${attempt}`;

  beforeAll(async () => {
    server = await startDashboardServer({ artifacts: { signingKey: SIGNING_KEY, publicUrl: 'https://jobs.example.com' } });
    session = sessionCookie(await logIn(server.url, TOKEN));
    const worker = await server.startWorker([writeReport, sendEmail]);
    jobId = (await server.conveyor.enqueue(writeReport, { failFirst: true })).job.id;
    emptyJobId = (await server.conveyor.enqueue(sendEmail, { to: 'a@example.com', subject: 'no files' })).job.id;
    expect((await server.conveyor.waitFor(jobId, { timeoutMs: 10_000 })).state).toBe('succeeded');
    expect((await server.conveyor.waitFor(emptyJobId, { timeoutMs: 10_000 })).state).toBe('succeeded');
    await worker.stop();
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists every attempt’s artifacts with size, type and a download link, the name escaped', async () => {
    const response = await get(`/dashboard/jobs/${jobId}`);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<h2>Artifacts (4)</h2>');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt; 100% ü.csv');
    expect(page).toContain(`href="/dashboard/jobs/${jobId}/artifacts/${encodeURIComponent(HOSTILE_NAME).replace(/'/g, '&#39;')}?attempt=2"`);
    expect(page).toMatch(/<td>3\.0 MiB<\/td>|title="3145745 bytes">3\.0 MiB/);
    expect(page).toContain('<code>text/csv; charset=utf-8</code>');
    // Both attempts wrote log.txt: two rows, and only the latest offers a signed link.
    expect(page).toContain(`data-artifact="log.txt" data-attempt="1"`);
    expect(page).toContain(`data-artifact="log.txt" data-attempt="2"`);
    expect(page.match(/Copy link/g)).toHaveLength(3);
  });

  it('says so when the job wrote nothing', async () => {
    const page = await (await get(`/dashboard/jobs/${emptyJobId}`)).text();
    expect(page).toContain('This job wrote no artifacts.');
  });

  it('streams the bytes as an attachment with their type, length and nosniff', async () => {
    const response = await get(hrefOf(HOSTILE_NAME, 2));
    expect(response.status).toBe(200);
    expect(Object.fromEntries(['content-type', 'content-length', 'x-content-type-options', 'etag'].map((name) => [name, response.headers.get(name)]))).toEqual({
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(Buffer.byteLength(CSV)),
      'x-content-type-options': 'nosniff',
      etag: `"${sha256(CSV)}"`,
    });
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="_'><img src=x onerror=alert(1)> 100_ _.csv"; filename*=UTF-8''%22%27%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%20100%25%20%C3%BC.csv`);
    expect(await response.text()).toBe(CSV);

    const big = await get(hrefOf('data.bin', 2));
    expect(big.headers.get('content-length')).toBe(String(BIG.length));
    expect(sha256(new Uint8Array(await big.arrayBuffer()))).toBe(sha256(BIG));
  });

  it('serves the attempt asked for, and the latest without one', async () => {
    expect(await (await get(hrefOf('log.txt', 1))).text()).toBe('attempt 1\n');
    expect(await (await get(hrefOf('log.txt', 2))).text()).toBe('attempt 2\n');
    expect(await (await get(`/dashboard/jobs/${jobId}/artifacts/log.txt`)).text()).toBe('attempt 2\n');
  });

  it('answers 404 for an artifact or job that does not exist, and 400 for a bad attempt', async () => {
    for (const path of [`/dashboard/jobs/${jobId}/artifacts/missing.csv`, `/dashboard/jobs/${jobId}/artifacts/log.txt?attempt=3`, `/dashboard/jobs/999999/artifacts/log.txt`, `/dashboard/jobs/nope/artifacts/log.txt`]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toContain('No such artifact');
    }
    expect((await get(`/dashboard/jobs/${jobId}/artifacts/log.txt?attempt=zero`)).status).toBe(400);
  });

  it('refuses a request without a valid session: a redirect to the login form, no bytes', async () => {
    const path = hrefOf(HOSTILE_NAME, 2);
    for (const headers of [{}, sessionCookie('not-a-session')]) {
      const response = await get(path, headers);
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`);
      expect(await response.text()).not.toContain('id,total');
    }
  });

  it('makes a 24-hour signed link on "Copy link", from a dashboard page only', async () => {
    const path = `/dashboard/jobs/${jobId}/artifacts/${encodeURIComponent(HOSTILE_NAME)}/link`;
    const before = Date.now();
    const response = await fetch(`${server.url}${path}`, { method: 'POST', redirect: 'manual', headers: { ...session, origin: server.url, 'sec-fetch-site': 'same-origin' } });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/dashboard/jobs/${jobId}`);
    const flash = flashOf(response);
    expect(flash?.kind).toBe('ok');
    const link = new URL(flash?.link ?? '');
    expect(`${link.origin}${link.pathname}`).toBe(`https://jobs.example.com/artifacts/${jobId}/${encodeURIComponent(HOSTILE_NAME)}`);
    const expires = Number(link.searchParams.get('expires'));
    expect(expires).toBeGreaterThanOrEqual(before + 24 * 3_600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);
    const check = server.conveyor.artifacts.checkLink({ jobId, name: HOSTILE_NAME, expires: link.searchParams.get('expires') ?? undefined, signature: link.searchParams.get('signature') ?? undefined });
    expect(check).toEqual({ valid: true });

    // The notice shows the link in a field on the next page, escaped like any value.
    const next = await (await get(`/dashboard/jobs/${jobId}`, { cookie: `${session.cookie}; ${FLASH_COOKIE}=${Buffer.from(JSON.stringify(flash)).toString('base64url')}` })).text();
    expect(next).toContain(`value="${flash!.link!.replace(/&/g, '&amp;').replace(/'/g, '&#39;')}" data-copy-link`);

    const crossSite = await fetch(`${server.url}${path}`, { method: 'POST', redirect: 'manual', headers: { ...session, origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    const missing = await fetch(`${server.url}/dashboard/jobs/${jobId}/artifacts/missing.csv/link`, { method: 'POST', redirect: 'manual', headers: { ...session, origin: server.url, 'sec-fetch-site': 'same-origin' } });
    expect(flashOf(missing)).toMatchObject({ kind: 'error', text: expect.stringContaining('no artifact named "missing.csv"') });
  });
});

describe('artifacts on the dashboard without a signing key', () => {
  it('lists and downloads, but offers no signed link', async () => {
    const server = await startDashboardServer();
    try {
      const session = sessionCookie(await logIn(server.url, TOKEN));
      const worker = await server.startWorker([writeReport]);
      const { job } = await server.conveyor.enqueue(writeReport, { failFirst: false });
      expect((await server.conveyor.waitFor(job.id, { timeoutMs: 10_000 })).state).toBe('succeeded');
      await worker.stop();
      const page = await (await fetch(`${server.url}/dashboard/jobs/${job.id}`, { headers: session })).text();
      expect(page).toContain('<h2>Artifacts (3)</h2>');
      expect(page).not.toContain('Copy link');
      const post = await fetch(`${server.url}/dashboard/jobs/${job.id}/artifacts/log.txt/link`, { method: 'POST', redirect: 'manual', headers: { ...session, origin: server.url, 'sec-fetch-site': 'same-origin' } });
      expect(flashOf(post)).toMatchObject({ kind: 'error', text: expect.stringContaining('CONVEYOR_ARTIFACT_SIGNING_KEY') });
    } finally {
      await server.close();
    }
  });
});

describeWithChromium('artifacts on the job page in Chromium', (suite) => {
  let server: DashboardServer;
  /** Released by the test: the job writes its second file, then holds on (still running) until the next. */
  const gates = { second: gate(), finish: gate() };
  const slowReport = defineTask({
    name: 'report.slow',
    queue: 'reports',
    input: z.object({}),
    run: async (_input, { artifacts }) => {
      await artifacts.put('first.txt', 'one\n');
      await gates.second.promise;
      await artifacts.put('second.txt', 'two\n');
      await gates.finish.promise;
      return {};
    },
  });
  beforeAll(async () => {
    server = await startDashboardServer();
    await server.startWorker([slowReport]);
  });
  afterAll(async () => {
    gates.second.resolve();
    gates.finish.resolve();
    await server.close();
  });

  it('shows a file as the running job writes it, and downloads it on click', async () => {
    const { job } = await server.conveyor.enqueue(slowReport, {});
    await expect.poll(async () => (await server.conveyor.artifacts.list(job.id)).length, { timeout: 10_000 }).toBe(1);
    const { page } = await suite.newPage();
    await server.logIn(page);
    await page.goto(`${server.url}/dashboard/jobs/${job.id}`);
    await page.waitForSelector('[data-live-status="live"]');
    expect(await page.locator('tr[data-artifact]').count()).toBe(1);

    // The job stays running: only the artifact event can make the page refresh.
    gates.second.resolve();
    await expect.poll(() => page.locator('tr[data-artifact="second.txt"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('h1 [data-job-state]').textContent()).toBe('running');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('tr[data-artifact="second.txt"] a')]);
    expect(download.suggestedFilename()).toBe('second.txt');
    expect(await readFile(await download.path())).toEqual(Buffer.from('two\n'));
    gates.finish.resolve();
  });
});
