/**
 * Vitest global setup: probes the test PostgreSQL server once per run, prints why its suites will not
 * run when it cannot be reached, and hands the result to every test file (`describePostgres`).
 */
import type { TestProject } from 'vitest/node';
import { postgresUnavailableMessage, probePostgres } from './postgres-server.js';

export default async function setup(project: TestProject): Promise<void> {
  const probe = await probePostgres();
  if (!probe.reachable) console.warn(`\n${postgresUnavailableMessage(probe.reason)}\n`);
  project.provide('conveyorPostgres', probe);
}
