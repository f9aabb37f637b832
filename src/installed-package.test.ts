/**
 * The package as a user installs it: `npm pack`, then `npm install` of the tarball in a fresh folder
 * outside the repository (dependencies from the registry or npm's cache; better-sqlite3 builds its
 * native module when no prebuilt one can be fetched), then a user's small programs on it: an ES module
 * and a CommonJS one on SQLite, the ES module on PostgreSQL, its `conveyor` command without the
 * optional tsx, and a TypeScript file type-checked against the installed types of every subpath with
 * `skipLibCheck` off. Needs `npm run build` (dist/).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePostgres, freshSchemaName, postgresUrlWithSchema, quoteIdentifier, withPostgresClient } from './testing/postgres-env.js';

const execFileAsync = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./testing/fixtures/installed-package/', import.meta.url));
/** Packing, and an install that may compile better-sqlite3 (about two minutes on 2 cores). */
const INSTALL_TIMEOUT_MS = 600_000;

/** The version the repository itself uses, so the install can come from npm's cache. */
function repoVersion(name: string): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

async function run(file: string, args: string[], cwd: string): Promise<string> {
  const { stdout } = await execFileAsync(file, args, { cwd, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 16 * 1024 * 1024, timeout: INSTALL_TIMEOUT_MS });
  return stdout;
}

let folder: string;

beforeAll(async () => {
  expect(existsSync(join(REPO_ROOT, 'dist/index.js')), 'dist/ is missing: run `npm run build` first').toBe(true);
  folder = mkdtempSync(join(tmpdir(), 'conveyor-installed-'));
  // dist/ is built already: skip `prepare`, which would build it again.
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', folder], REPO_ROOT);
  const tarball = readdirSync(folder).find((name) => name.endsWith('.tgz'));
  expect(tarball, 'npm pack wrote no tarball').toBeDefined();
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'a-user-app', private: true, type: 'module' }));
  for (const file of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, file), join(folder, file));
  const devTools = [`typescript@${repoVersion('typescript')}`, `@types/node@${repoVersion('@types/node')}`];
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`, ...devTools], folder);
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('runs an ES module program on SQLite', async () => {
    expect(await run(process.execPath, ['program.mjs', `sqlite:${join(folder, 'esm.db')}`], folder)).toBe('{"greeting":"hello Ada"}\n');
  });

  it('runs a CommonJS program (require) on SQLite', async () => {
    expect(await run(process.execPath, ['program.cjs', `sqlite:${join(folder, 'cjs.db')}`], folder)).toBe('{"greeting":"hello Ada from CommonJS"} function\n');
  });

  it('installs without tsx: its command loads a JavaScript task module, and says what a TypeScript one needs', async () => {
    expect(existsSync(join(folder, 'node_modules/tsx')), 'tsx is an optional dependency').toBe(false);
    const cli = join(folder, 'node_modules/conveyor/dist/cli/main.js');
    const store = `sqlite:${join(folder, 'cli.db')}`;
    expect(await run(process.execPath, [cli, 'enqueue', 'greet', '{"name":"Ada"}', '--tasks', 'tasks.mjs', '--store', store], folder)).toMatch(/^enqueued job 1 \(greet, queue default\): queued/);
    const refused = await execFileAsync(process.execPath, [cli, 'enqueue', 'greet', '{"name":"Ada"}', '--tasks', 'tasks.ts', '--store', store], { cwd: folder }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(refused).toEqual({
      code: 1,
      stderr:
        'error: <module> "tasks.ts": is TypeScript, and loading TypeScript needs tsx, an optional dependency of conveyor that is not installed: install it (npm install tsx), or compile the module and give its .js file. Example of a valid value: dist/tasks.js\n',
    });
  });

  it("type-checks a program against every subpath's types, skipLibCheck off", async () => {
    const tsc = join(folder, 'node_modules/typescript/bin/tsc');
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck', 'false'];
    const result = await execFileAsync(process.execPath, [tsc, ...options, 'types.ts'], { cwd: folder }).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
    );
    expect(result).toEqual({ code: 0, output: '' });
  });
});

describePostgres('the installed package on PostgreSQL', () => {
  it('runs the ES module program on PostgreSQL', async () => {
    const schema = freshSchemaName();
    try {
      expect(await run(process.execPath, ['program.mjs', postgresUrlWithSchema(schema)], folder)).toBe('{"greeting":"hello Ada"}\n');
    } finally {
      await withPostgresClient((client) => client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`));
    }
  });
});
