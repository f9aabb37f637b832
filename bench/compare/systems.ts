/**
 * The systems of the comparison by `--systems` key. Each adapter is imported only when asked for, so a
 * rival whose package is missing fails its own check and the others still run.
 */
import type { SystemDefinition } from './system.js';

const LOADERS: Record<string, () => Promise<SystemDefinition>> = {
  'conveyor-sqlite': async () => (await import('./adapters/conveyor-sqlite.js')).conveyorSqlite,
  'conveyor-postgres': async () => (await import('./adapters/conveyor-postgres.js')).conveyorPostgres,
  bullmq: async () => (await import('./adapters/bullmq.js')).bullmq,
  'graphile-worker': async () => (await import('./adapters/graphile-worker.js')).graphileWorker,
  'pg-boss': async () => (await import('./adapters/pg-boss.js')).pgBoss,
};

/** Every key, in the order systems are interleaved within a round. */
export const SYSTEM_KEYS = Object.keys(LOADERS);

/** A system's definition with the key worker processes load it by. */
export interface LoadedSystem {
  key: string;
  definition: SystemDefinition;
}

export async function loadSystem(key: string): Promise<LoadedSystem> {
  const load = LOADERS[key];
  if (load === undefined) throw new Error(`unknown system "${key}"; known: ${SYSTEM_KEYS.join(', ')}`);
  return { key, definition: await load() };
}

/** The Conveyor row each family's figures are divided by. */
export function conveyorOf(family: SystemDefinition['family']): string {
  return family === 'sqlite' ? 'Conveyor-SQLite' : 'Conveyor-PostgreSQL';
}
