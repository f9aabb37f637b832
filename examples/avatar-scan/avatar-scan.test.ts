/**
 * The avatar-scan example end to end, as `npm run example:avatar-scan` runs it (stack.ts): a real
 * clamd, `conveyor serve` and `conveyor worker` from dist/, and the app, each a process on
 * loopback, sharing a SQLite store in a temporary folder. Uploads go through the app's HTTP routes.
 *
 * Needs clamd (skipped with the reason printed without it; CONVEYOR_REQUIRE_CLAMD=1 fails instead)
 * and `npm run build` (the processes run the built CLI and import the built package).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
// The test's own client reads the same store; the processes under test use the built package.
import { Conveyor } from '../../src/index.js';
import { logIn, sessionCookie } from '../../src/testing/log-in.js';
import { getAvatar, uploadAvatar, waitForAvatar } from './avatar-client.js';
import { describeClamd } from './clamav/describe-clamd.js';
import { eicarBytes } from './clamav/eicar.js';
import { MAX_UPLOAD_BYTES, THUMBNAIL_SIZES } from './config.js';
import { makeSampleAvatar } from './sample-image.js';
import { type AvatarStack, CLI_MAIN, REPO_ROOT, startAvatarStack } from './stack.js';
import { UploadFolder } from './uploads.js';

const EICAR_SIGNATURE = 'Conveyor-Test.EICAR.UNOFFICIAL';
/** tasks.ts checks clamd every second, each check bounded by a second. */
const CHECK_INTERVAL_MS = 1_000;
const CHECK_TIMEOUT_MS = 1_000;
const MARGIN_MS = 2_000;

interface ReadyAnswer {
  ready: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
}

/** The dashboard's overview page, logged in with the API token as a browser would. */
async function dashboardOverview(stack: AvatarStack): Promise<string> {
  const session = await logIn(stack.conveyorUrl, stack.token);
  return (await fetch(`${stack.conveyorUrl}/`, { headers: sessionCookie(session) })).text();
}

async function getReady(stack: AvatarStack): Promise<{ status: number; body: ReadyAnswer }> {
  const response = await fetch(`${stack.conveyorUrl}/ready`, { headers: { authorization: `Bearer ${stack.token}` } });
  return { status: response.status, body: (await response.json()) as ReadyAnswer };
}

/** `conveyor doctor --json` against the stack's store, as an operator would run it. */
function runDoctor(stack: AvatarStack): Promise<{ code: number | null; json: { ok: boolean; findings: Array<{ severity: string; area: string; check: string; cause: string; fix: string }> }; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'doctor', '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, CONVEYOR_STORE: stack.store, CONVEYOR_API_TOKENS: stack.token, CONVEYOR_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        resolve({ code, json: JSON.parse(stdout), stderr });
      } catch (error) {
        reject(new Error(`conveyor doctor --json printed no JSON (exit ${code}): ${(error as Error).message}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      }
    });
  });
}

async function pollUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() >= deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

describeClamd('avatar-scan example (real clamd and processes)', () => {
  let dataDir: string;
  let stack: AvatarStack;
  let conveyor: Conveyor;
  let photo: Buffer;

  beforeAll(async () => {
    expect(existsSync(CLI_MAIN), `${CLI_MAIN} is missing: run \`npm run build\` first`).toBe(true);
    dataDir = await mkdtemp(join(tmpdir(), 'conveyor-avatar-scan-'));
    photo = await makeSampleAvatar();
    stack = await startAvatarStack({ dataDir });
    conveyor = await Conveyor.open({ store: stack.store, logger: pino({ level: 'silent' }) });
  }, 90_000);

  afterAll(async () => {
    await conveyor?.close();
    await stack?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('publishes a clean image: flow succeeded, 3 decodable WebP thumbnails as artifacts of the resize job', async () => {
    const { uploadId, flowId } = await uploadAvatar(stack.appUrl, photo, 'image/png');
    const view = await waitForAvatar(stack.appUrl, uploadId, { timeoutMs: 30_000 });
    expect(view.status).toBe('published');

    const flow = await conveyor.flows.get(flowId);
    expect(flow?.jobs.map((job) => [job.task, job.state, job.attempt])).toEqual(
      expect.arrayContaining([
        ['avatars.scan', 'succeeded', 1],
        ['avatars.resize', 'succeeded', 1],
        ['avatars.publish', 'succeeded', 1],
      ]),
    );
    expect((await conveyor.getJob(flowId))?.state).toBe('succeeded');
    const scan = flow!.jobs.find((job) => job.task === 'avatars.scan')!;
    expect(scan.result).toEqual({ clean: true, scannedBytes: photo.byteLength, scanner: stack.clamdUrl });

    const resize = flow!.jobs.find((job) => job.task === 'avatars.resize')!;
    const artifacts = await conveyor.artifacts.list(resize.id);
    expect(artifacts.map((artifact) => [artifact.name, artifact.contentType]).sort()).toEqual(
      THUMBNAIL_SIZES.map((size) => [`avatar-${size}.webp`, 'image/webp']).sort(),
    );
    for (const size of THUMBNAIL_SIZES) {
      const opened = await conveyor.artifacts.get(resize.id, `avatar-${size}.webp`);
      const bytes = await buffer(opened!.stream);
      expect(bytes.byteLength).toBe(opened!.artifact.size);
      const decoded = await sharp(bytes).metadata();
      expect({ format: decoded.format, width: decoded.width, height: decoded.height }).toEqual({ format: 'webp', width: size, height: size });
    }

    // Published: the record names the three artifacts, and the app serves them.
    expect(await new UploadFolder(dataDir).readPublished(uploadId)).toMatchObject({ uploadId, thumbnails: expect.any(Array) });
    expect(view.thumbnails.map((thumbnail) => [thumbnail.name, thumbnail.width, thumbnail.height])).toEqual(THUMBNAIL_SIZES.map((size) => [`avatar-${size}.webp`, size, size]));
    const served = await fetch(`${stack.appUrl}${view.thumbnails[1]!.url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/webp');
    const servedBytes = Buffer.from(await served.arrayBuffer());
    const stored = artifacts.find((artifact) => artifact.name === 'avatar-128.webp')!;
    expect(createHash('sha256').update(servedBytes).digest('hex')).toBe(stored.sha256);
  }, 60_000);

  it('ends an EICAR upload dead at the scan, naming the signature; resize and publish never run, nothing is published', async () => {
    const { uploadId, flowId } = await uploadAvatar(stack.appUrl, eicarBytes(), 'image/png');
    const view = await waitForAvatar(stack.appUrl, uploadId, { timeoutMs: 30_000 });
    expect(view).toMatchObject({ status: 'infected', signature: EICAR_SIGNATURE, reason: `infected: ${EICAR_SIGNATURE}`, thumbnails: [] });

    const flow = (await conveyor.flows.get(flowId))!;
    const scan = flow.jobs.find((job) => job.task === 'avatars.scan')!;
    // Dead at its first attempt of five: no retry of a verdict.
    expect({ state: scan.state, attempt: scan.attempt, maxAttempts: scan.maxAttempts }).toEqual({ state: 'dead', attempt: 1, maxAttempts: 5 });
    expect(scan.errors.map((error) => error.message)).toEqual([`infected: ${EICAR_SIGNATURE}`]);
    for (const task of ['avatars.resize', 'avatars.publish']) {
      const job = flow.jobs.find((candidate) => candidate.task === task)!;
      expect({ task, state: job.state, attempt: job.attempt, startedAt: job.startedAt }).toEqual({ task, state: 'dead', attempt: 0, startedAt: null });
      expect(await conveyor.artifacts.list(job.id)).toEqual([]);
    }
    const uploads = new UploadFolder(dataDir);
    expect(await uploads.readPublished(uploadId)).toBeNull();
    expect(existsSync(join(dataDir, 'uploads', uploadId, 'original'))).toBe(false);
  }, 60_000);

  it('refuses uploads that are too large (413), not an image type (415) or empty (400), storing nothing', async () => {
    const uploadFolders = (): Promise<string[]> => readdir(join(dataDir, 'uploads'));
    const before = await uploadFolders();
    const tooLarge = await fetch(`${stack.appUrl}/avatars`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(MAX_UPLOAD_BYTES + 1) });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ error: { code: 'upload_too_large', message: expect.stringContaining('at most 5242880 bytes (5 MiB)') } });
    const text = await fetch(`${stack.appUrl}/avatars`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(text.status).toBe(415);
    const empty = await fetch(`${stack.appUrl}/avatars`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(0) });
    expect(empty.status).toBe(400);
    expect(await uploadFolders()).toEqual(before);
    const form = new FormData();
    form.append('file', new Blob([photo], { type: 'image/png' }), 'me.png');
    const multipart = await fetch(`${stack.appUrl}/avatars`, { method: 'POST', body: form });
    expect(multipart.status).toBe(202);
    const { uploadId } = (await multipart.json()) as { uploadId: string };
    expect((await waitForAvatar(stack.appUrl, uploadId, { timeoutMs: 30_000 })).status).toBe('published');
  }, 60_000);

  it('holds scans back while clamd is down (/ready, doctor and the dashboard name it and count the waiting scans; the job stays queued at attempt 0) and runs them once it is back', async () => {
    const clamdTarget = stack.clamdUrl;
    await stack.stopClamd();
    const stoppedAt = Date.now();
    const down = await pollUntil('/ready reporting clamd down', CHECK_INTERVAL_MS + CHECK_TIMEOUT_MS + MARGIN_MS, async () => {
      const ready = await getReady(stack);
      const check = ready.body.checks.find((entry) => entry.name === 'dependencies');
      return check?.ok === false ? { ...ready, check } : undefined;
    });
    const noticedMs = Date.now() - stoppedAt;
    expect(down.status).toBe(503);
    expect(down.body.ready).toBe(false);
    expect(down.check.detail).toContain(`"clamd" at ${clamdTarget} down`);
    expect(down.check.detail).toContain('needed by avatars.scan');
    expect(noticedMs).toBeLessThan(CHECK_INTERVAL_MS + CHECK_TIMEOUT_MS + MARGIN_MS);

    const { uploadId, flowId } = await uploadAvatar(stack.appUrl, photo, 'image/png');
    const flow = (await conveyor.flows.get(flowId))!;
    const scanId = flow.jobs.find((job) => job.task === 'avatars.scan')!.id;
    // Several check intervals and many worker polls: a worker that claimed it would have by now.
    await new Promise((wake) => setTimeout(wake, 3 * CHECK_INTERVAL_MS));

    const doctor = await runDoctor(stack);
    expect(doctor.code).toBe(1);
    const finding = doctor.json.findings.find((entry) => entry.check === 'dependencies');
    expect(finding).toMatchObject({ severity: 'error', area: 'workers' });
    expect(finding!.cause).toContain(`dependency "clamd" at ${clamdTarget} is down`);
    expect(finding!.cause).toContain('1 queued job(s) of "avatars.scan" wait, no attempt burned');
    // /ready and the dashboard say how many scans wait, too.
    expect((await getReady(stack)).body.checks.find((entry) => entry.name === 'dependencies')?.detail).toContain('waiting: 1 queued job(s) of "avatars.scan"');
    expect(await dashboardOverview(stack)).toMatch(/data-warning="dependency-down"><strong>Dependency down:<\/strong><code>clamd<\/code> at <code>[^<]+<\/code>.*Waiting for it: 1 queued job of <a [^>]+><code>avatars\.scan<\/code><\/a>/s);
    expect(finding!.fix).toContain(`bring ${clamdTarget} back`);

    const waiting = (await conveyor.getJob(scanId))!;
    expect({ state: waiting.state, attempt: waiting.attempt, errors: waiting.errors }).toEqual({ state: 'queued', attempt: 0, errors: [] });
    expect((await getAvatar(stack.appUrl, uploadId)).status).toBe('scanning');

    await stack.restartClamd();
    const view = await waitForAvatar(stack.appUrl, uploadId, { timeoutMs: 30_000 });
    expect(view.status).toBe('published');
    const scanned = (await conveyor.getJob(scanId))!;
    expect({ state: scanned.state, attempt: scanned.attempt }).toEqual({ state: 'succeeded', attempt: 1 });
    expect((await conveyor.getJob(flowId))?.state).toBe('succeeded');
    const ready = await pollUntil('/ready back to 200', CHECK_INTERVAL_MS + CHECK_TIMEOUT_MS + MARGIN_MS, async () => {
      const answer = await getReady(stack);
      return answer.status === 200 ? answer : undefined;
    });
    expect(ready.body.checks.find((entry) => entry.name === 'dependencies')).toMatchObject({ ok: true, detail: 'every dependency is up: "clamd"' });
  }, 60_000);
});
