/** Opening a PostgreSQL store that cannot be reached, or is named wrongly, fails with an error that says which and where. */
import { createServer } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { redactStoreUrl } from '../config.js';
import { Conveyor } from '../conveyor.js';
import { ConveyorConfigError, ConveyorStoreUnavailableError } from '../errors.js';
import { describePostgres, TEST_POSTGRES_URL } from '../testing/postgres-env.js';
import { openPostgresStore } from './index.js';

const silent = pino({ level: 'silent' });

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('opening a PostgreSQL store', () => {
  it('names the server, without its password, when nothing answers there', async () => {
    const url = `postgres://conveyor:s3cret@127.0.0.1:${await closedPort()}/app`;
    const error = await Conveyor.open({ store: url, logger: silent }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConveyorStoreUnavailableError);
    expect((error as Error).message).toContain(`Cannot reach the PostgreSQL store at ${url.replace('s3cret', '***')}: connect ECONNREFUSED`);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('refuses bad options before connecting, naming each', () => {
    expect(() => openPostgresStore({ url: 'sqlite:./x.db' })).toThrow(ConveyorConfigError);
    expect(() => openPostgresStore({ url: 'postgres://db/app', schema: 'Bad-Name' })).toThrow(/postgres schema: has schema "Bad-Name"/);
    expect(() => openPostgresStore({ url: 'postgres://db/app', poolSize: 0 })).toThrow(/postgres poolSize: must be an integer from 1 to 1000, got 0/);
  });

  it('redacts only the password of a store URL', () => {
    expect(redactStoreUrl('postgres://u:pw@db:5432/app?sslmode=require')).toBe('postgres://u:***@db:5432/app?sslmode=require');
    expect(redactStoreUrl('postgres://u@db/app')).toBe('postgres://u@db/app');
    expect(redactStoreUrl('sqlite:./a.db')).toBe('sqlite:./a.db');
  });
});

describePostgres('opening a PostgreSQL store on a live server', () => {
  it('names a database that does not exist', async () => {
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = '/conveyor_no_such_database';
    const error = await Conveyor.open({ store: url.toString(), logger: silent }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConveyorStoreUnavailableError);
    expect((error as Error).message).toContain('database "conveyor_no_such_database" does not exist');
  });
});
