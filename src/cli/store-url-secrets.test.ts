/**
 * The CLI never prints a store's password (issue 13, item 5): every error that names the store URL,
 * given by `--store` or `CONVEYOR_STORE`, and every line that names it while running, shows `***`.
 * The real CLI in a child process; the live cases against the real PostgreSQL test server.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describePostgres, freshTestSchema, postgresUrlWithSchema, type TestSchema } from '../testing/postgres-env.js';
import { cli, FIXTURE_TASKS, killStragglers, startCli } from './fixtures/run.js';

const SECRET = 's3cret';

afterEach(() => killStragglers());

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The URL the test server answers on, with a user and the password SECRET (the server ignores it). */
function withPassword(url: string, user = 'postgres'): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = SECRET;
  return parsed.toString();
}

/** Run `conveyor migrate` on `url`, given as --store and as CONVEYOR_STORE; both must fail with one `error:` line naming it redacted. */
async function expectRedactedError(url: string, expected: string): Promise<void> {
  for (const [args, env] of [
    [['--store', url, 'migrate'], {}],
    [['migrate'], { CONVEYOR_STORE: url }],
  ] as const) {
    const result = await cli([...args], env);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(expected);
    expect(result.stderr).not.toContain(SECRET);
  }
}

describe('conveyor with a store URL that holds a password', () => {
  it.each([
    ['an unknown scheme', `postgresql+asyncpg://u:${SECRET}@host/db`, 'has an unknown scheme in "postgresql+asyncpg://u:***@host/db"'],
    ['a space in the host', `postgres://app:${SECRET}@db host:5432/app`, 'is not a valid URL: "postgres://app:***@db host:5432/app"'],
    // WHATWG URL reads host "app", port 12 and a fragment: the connection fails, and the message must not show the fragment.
    ['a password with an unencoded #', `postgres://app:12#${SECRET}@127.0.0.1/app`, 'Cannot reach the PostgreSQL store at postgres://app:***@127.0.0.1/app'],
    ['a CA file that does not exist', `postgres://app:${SECRET}@127.0.0.1/app?sslmode=verify-full&sslrootcert=/no/such/ca.pem`, "cannot be used: ENOENT: no such file or directory, open '/no/such/ca.pem'"],
  ])('prints the error for %s with the password hidden', async (_, url, expected) => {
    await expectRedactedError(url, expected);
  });

  it('prints a server it cannot reach with the password hidden', async () => {
    const port = await closedPort();
    await expectRedactedError(`postgres://app:${SECRET}@127.0.0.1:${port}/app`, `Cannot reach the PostgreSQL store at postgres://app:***@127.0.0.1:${port}/app: connect ECONNREFUSED`);
  });
});

describePostgres('conveyor on a live PostgreSQL server, with a password in the URL', () => {
  let schema: TestSchema | undefined;
  afterEach(async () => {
    await schema?.drop();
    schema = undefined;
  });

  it('names a role the server does not know with the password hidden', async () => {
    await expectRedactedError(withPassword(postgresUrlWithSchema('conveyor_unused'), 'conveyor_no_such_role'), 'role "conveyor_no_such_role" does not exist');
  });

  it('shows the URL with the password hidden in what migrate, status and worker print', async () => {
    schema = freshTestSchema();
    const url = withPassword(schema.storeUrl);
    const migrated = await cli(['--store', url, 'migrate']);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain(url.replace(SECRET, '***'));
    const status = await cli(['--store', url, 'status', '424242']);
    expect(status.stderr).toContain(`No job with id "424242" in ${url.replace(SECRET, '***')}`);
    const worker = startCli(['--store', url, 'worker', FIXTURE_TASKS], { CONVEYOR_LOG_LEVEL: 'info' });
    const banner = await worker.waitForStdout('Ctrl-C to stop');
    worker.child.kill('SIGTERM');
    const finished = await worker.finished;
    expect(banner).toContain(`store ${url.replace(SECRET, '***')}`);
    for (const output of [migrated.stdout, migrated.stderr, status.stdout, status.stderr, finished.stdout, finished.stderr]) expect(output).not.toContain(SECRET);
  });
});
