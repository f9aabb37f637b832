/**
 * How a test file declares a suite that needs PostgreSQL. The server is `CONVEYOR_TEST_PG_URL`
 * (default `postgres://postgres@127.0.0.1:5432/postgres`), probed once per `vitest run` by
 * `postgres-global-setup.ts`. When it cannot be reached, PostgreSQL suites are skipped with the reason
 * in their name, and the reason is printed once; with `CONVEYOR_REQUIRE_PG=1` (as in CI) they fail
 * instead, so a broken CI database never passes as "skipped".
 *
 * Every test works in a schema of its own (`freshSchemaName()`), dropped afterwards (`dropSchema`),
 * so test files run in parallel on one database.
 *
 * @example
 * describePostgres('store conformance: postgres', () => {
 *   runStoreConformance({ name: 'postgres', createHarness });
 * });
 */
import { describe, inject, it } from 'vitest';
import { redactStoreUrl } from '../config.js';
import {
  type PostgresProbe,
  postgresRequired,
  postgresUnavailableMessage,
  probePostgres,
  TEST_POSTGRES_URL,
} from './postgres-server.js';

export * from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The probe of `TEST_POSTGRES_URL` made once per run by `postgres-global-setup.ts`. */
    conveyorPostgres: PostgresProbe;
  }
}

let ownProbe: Promise<PostgresProbe> | null = null;

/** The run's probe from the global setup or, under a config without it, one made by this process. */
function testServerProbe(): Promise<PostgresProbe> {
  const provided = inject('conveyorPostgres') as PostgresProbe | undefined;
  if (provided !== undefined) return Promise.resolve(provided);
  ownProbe ??= probePostgres().then((probe) => {
    if (!probe.reachable) console.warn(postgresUnavailableMessage(probe.reason));
    return probe;
  });
  return ownProbe;
}

/**
 * Declare a suite that needs the test server: it runs when the server is reachable; otherwise its one
 * test is skipped with the reason in its title, or fails with that reason when `CONVEYOR_REQUIRE_PG=1`.
 */
export function describePostgres(name: string, declare: () => void): void {
  describe(name, async () => {
    const probe = await testServerProbe();
    if (probe.reachable) {
      declare();
    } else if (postgresRequired()) {
      it('needs a reachable PostgreSQL server (CONVEYOR_REQUIRE_PG=1)', () => {
        throw new Error(postgresUnavailableMessage(probe.reason));
      });
    } else {
      // Skipped on purpose: no server answers and CONVEYOR_REQUIRE_PG is not set (a laptop without
      // PostgreSQL). The reason is in the title, and the global setup printed it once.
      it.skip(`skipped: no PostgreSQL at ${redactStoreUrl(TEST_POSTGRES_URL)} (${probe.reason})`, () => {}); // reason: no server, and CONVEYOR_REQUIRE_PG unset
    }
  });
}
