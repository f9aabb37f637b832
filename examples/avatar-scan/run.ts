/**
 * `npm run example:avatar-scan`: the whole avatar-scan example with one command.
 *
 * Starts a private clamd, Conveyor's server and dashboard, a worker and the avatar app (stack.ts),
 * uploads a clean generated image and the EICAR test file through the app, and prints what becomes
 * of each: the image published with its thumbnails, EICAR's scan dead with the signature clamd
 * found. Then it prints the dashboard's URL and token and keeps everything up until Ctrl-C, which
 * stops every process it started (so does any failure).
 *
 * Environment:
 *   CONVEYOR_STORE          default sqlite:<data dir>/conveyor.db; a postgres://… URL works as well
 *   CONVEYOR_API_TOKENS     the server's token (the first one is printed); default a new random one
 *   AVATAR_DATA_DIR         default ./.conveyor/avatar-scan (uploads, logs, the SQLite store)
 *   AVATAR_CLAMD_URL        a clamd to use (tcp://host:port); default a private one started here
 *   AVATAR_CONVEYOR_PORT    Conveyor's server port (default: a free one); AVATAR_APP_PORT the app's
 *   AVATAR_SCAN_ONCE=1      exit after the two uploads are final instead of waiting for Ctrl-C
 */
import { relative } from 'node:path';
import { FINAL_STATUSES, uploadAvatar, waitForAvatar } from './avatar-client.js';
import type { AvatarView } from './avatar-state.js';
import { eicarBytes } from './clamav/eicar.js';
import { DEFAULT_DATA_DIR, readAvatarConfig } from './config.js';
import { makeSampleAvatar, SAMPLE_HEIGHT, SAMPLE_WIDTH } from './sample-image.js';
import { type AvatarStack, newApiToken, REPO_ROOT, startAvatarStack } from './stack.js';

const ONCE = process.env.AVATAR_SCAN_ONCE === '1';
const UPLOAD_TIMEOUT_MS = 120_000;

function say(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);
}

function portFrom(name: string): number {
  const value = process.env[name] ?? '0';
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${name} must be a port from 0 to 65535 (0: a free one), got ${JSON.stringify(value)}`);
  return port;
}

/** One line for a change of an upload: its status, and each step's state and attempt. */
function describeProgress(label: string, view: AvatarView): string {
  const steps = view.steps.map((step) => `${step.task.replace('avatars.', '')} #${step.jobId} ${step.state} ${step.attempt}/${step.maxAttempts}`).join(', ');
  return `${label.padEnd(10)} ${view.status.padEnd(10)} ${steps}`;
}

/** The final word on an upload, as a user would want it. */
function describeOutcome(label: string, view: AvatarView, appUrl: string): string[] {
  if (view.status === 'published') {
    return [
      `${label.padEnd(10)} published: ${view.thumbnails.length} thumbnails`,
      ...view.thumbnails.map((thumbnail) => `             ${thumbnail.name.padEnd(16)} ${`${thumbnail.width}×${thumbnail.height}`.padEnd(8)} ${String(thumbnail.bytes).padStart(6)} bytes  ${appUrl}${thumbnail.url}`),
    ];
  }
  const scan = view.steps.find((step) => step.task === 'avatars.scan');
  const after = view.steps.filter((step) => step.task !== 'avatars.scan');
  const notRun = after.every((step) => step.attempt === 0) ? `; ${after.map((step) => step.task).join(' and ')} never ran (${after.map((step) => `#${step.jobId} ${step.state}, attempt ${step.attempt}`).join('; ')})` : '';
  if (view.status === 'infected') return [`${label.padEnd(10)} ${scan?.state ?? '?'}: job #${scan?.jobId} ${view.reason}${notRun}; nothing published, its bytes deleted`];
  return [`${label.padEnd(10)} ${view.status}: ${view.reason ?? 'no reason recorded'}`];
}

let stack: AvatarStack | undefined;
let stopping: Promise<void> | undefined;

/** Stop every process started, the last started first, then exit with `code`. Called once; later calls wait for the first. */
function stopEverything(why: string, code: number): void {
  stopping ??= (async () => {
    say(`${why}: stopping the app, the worker, the server and clamd`);
    await stack?.stop();
    say('stopped');
    process.exit(code);
  })();
}

// Before the stack is up, the children's exit hooks (SIGKILL) clean up; after, they are stopped in order.
const onSignal = (signal: NodeJS.Signals): void => (stack === undefined ? process.exit(130) : stopEverything(signal, 0));
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function main(): Promise<void> {
  const config = readAvatarConfig({ ...process.env, AVATAR_DATA_DIR: process.env.AVATAR_DATA_DIR ?? DEFAULT_DATA_DIR });
  const token = process.env.CONVEYOR_API_TOKENS?.split(',')[0]?.trim() || newApiToken();
  const shown = (path: string): string => relative(process.cwd(), path) || '.';

  say(`avatar-scan: starting clamd, Conveyor's server, a worker and the avatar app (data in ${shown(config.dataDir)})`);

  const started = Date.now();
  stack = await startAvatarStack({
    dataDir: config.dataDir,
    ...(process.env.CONVEYOR_STORE === undefined ? {} : { store: process.env.CONVEYOR_STORE }),
    ...(process.env.AVATAR_CLAMD_URL === undefined ? {} : { clamdUrl: process.env.AVATAR_CLAMD_URL }),
    conveyorPort: portFrom('AVATAR_CONVEYOR_PORT'),
    appPort: portFrom('AVATAR_APP_PORT'),
    token,
  });
  say(`everything is up in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
  say(`  clamd     ${stack.clamdUrl}${stack.clamd === null ? ' (given by AVATAR_CLAMD_URL)' : ' (private, our EICAR-only signature database)'}`);
  say(`  conveyor  ${stack.conveyorUrl} (API and dashboard), store ${stack.store.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}`);
  say(`  worker    pid ${stack.worker.child.pid}, tasks avatars.scan (needs clamd), avatars.resize, avatars.publish`);
  say(`  app       ${stack.appUrl} (POST /avatars, GET /avatars/:uploadId)`);
  say(`  logs      ${shown(stack.logDir)}/{server,worker,app}.log`);

  const photo = await makeSampleAvatar();
  const uploads = [
    { label: 'photo.png', bytes: photo, contentType: 'image/png', about: `a clean ${SAMPLE_WIDTH}×${SAMPLE_HEIGHT} PNG, ${photo.byteLength} bytes` },
    { label: 'eicar.png', bytes: eicarBytes(), contentType: 'image/png', about: 'the 68-byte EICAR test file, claiming to be image/png' },
  ];
  const outcomes = await Promise.all(
    uploads.map(async (upload) => {
      const answer = await uploadAvatar(stack!.appUrl, upload.bytes, upload.contentType);
      say(`${upload.label.padEnd(10)} uploaded (${upload.about}): upload ${answer.uploadId}, flow #${answer.flowId}`);
      const view = await waitForAvatar(stack!.appUrl, answer.uploadId, {
        timeoutMs: UPLOAD_TIMEOUT_MS,
        onChange: (seen) => {
          if (!FINAL_STATUSES.includes(seen.status)) say(describeProgress(upload.label, seen));
        },
      });
      for (const line of describeOutcome(upload.label, view, stack!.appUrl)) say(line);
      return view;
    }),
  );

  const jobPages = outcomes.map((view, index) => {
    const [scan, ...later] = view.steps;
    const others = later.map((step) => `${step.task.replace('avatars.', '')} #${step.jobId}`).join(', ');
    return `${uploads[index]!.label.padEnd(10)} ${stack!.conveyorUrl}/dashboard/jobs/${scan?.jobId} (its scan; ${others})`;
  });
  process.stdout.write(
    [
      '',
      `Dashboard: ${stack.conveyorUrl}/  (log in with the token)`,
      `Token:     ${stack.token}`,
      `Jobs:      ${jobPages.join('\n           ')}`,
      `Try:       curl -s ${stack.conveyorUrl}/ready -H "Authorization: Bearer ${stack.token}"`,
      `           curl -s --data-binary @some.png -H 'Content-Type: image/png' ${stack.appUrl}/avatars`,
      `           CONVEYOR_STORE=${stack.store} npx conveyor doctor`,
      '',
    ].join('\n'),
  );
  const expected = outcomes[0]?.status === 'published' && outcomes[1]?.status === 'infected';
  if (!expected) {
    stopEverything(`unexpected outcome (photo: ${outcomes[0]?.status}, eicar: ${outcomes[1]?.status}); see the logs in ${shown(stack.logDir)}`, 1);
    return;
  }
  if (ONCE) stopEverything('AVATAR_SCAN_ONCE=1', 0);
  else say('running until Ctrl-C');
}

// Run from the repository root, as `npm run example:avatar-scan` does, so the relative paths printed work.
process.chdir(REPO_ROOT);
main().catch((error: unknown) => {
  process.stderr.write(`avatar-scan: ${error instanceof Error ? error.message : String(error)}\n`);
  // Started parts are stopped in order; if the stack never came up, startAvatarStack stopped its parts.
  if (stack !== undefined) stopEverything('failed', 1);
  else process.exit(1);
});
