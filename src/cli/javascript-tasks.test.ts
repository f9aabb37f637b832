/**
 * The built CLI loads a JavaScript task module with Node alone: tsx (and its loader thread, which an
 * idle worker would pay for) is registered only for TypeScript modules. Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { REPO_ROOT } from './fixtures/run.js';

const BUILT_CLI = join(REPO_ROOT, 'dist/cli/main.js');
const PLAIN_TASKS = join(REPO_ROOT, 'src/cli/fixtures/plain-tasks.mjs');

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'conveyor-js-tasks-test-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

it('enqueues through a plain JavaScript task module with no TypeScript loader in the process', async () => {
  expect(existsSync(BUILT_CLI), 'dist/ is missing: run `npm run build` first').toBe(true);
  const child = spawn(process.execPath, [BUILT_CLI, 'enqueue', 'fixture.plain-greet', '{"name":"Ada"}', '--tasks', PLAIN_TASKS, '--store', `sqlite:${join(directory, 'db')}`], {
    cwd: REPO_ROOT,
    // The module's import of zod and 'conveyor' must resolve without tsx: none is preloaded.
    env: { ...process.env, NODE_OPTIONS: '', CONVEYOR_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [stdout, stderr, [code]] = await Promise.all([text(child.stdout!), text(child.stderr!), once(child, 'close')]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/enqueued job \d+ \(fixture\.plain-greet, queue default\): queued/);
});
