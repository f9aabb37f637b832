/** Conveyor on SQLite: each instance on a fresh, migrated temporary file (WAL, synchronous=full, as the store sets). */
import { rmSync } from 'node:fs';
import { freshDatabase } from '../../shared.js';
import type { SystemDefinition } from '../system.js';
import { ConveyorSystem } from './conveyor.js';

/** Delete a database file with its WAL and shared-memory files. */
export function removeSqliteFile(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

export const conveyorSqlite: SystemDefinition = {
  name: 'Conveyor-SQLite',
  family: 'sqlite',
  // One machine only: worker processes on one file poll it, they do not scale a drain.
  multiProcess: false,
  async check() {
    await import('better-sqlite3');
  },
  async create() {
    const path = await freshDatabase();
    return ConveyorSystem.open({ location: path, storeUrl: `sqlite:${path}`, remove: async () => removeSqliteFile(path) });
  },
  async attach(_environment, path) {
    return ConveyorSystem.open({ location: path, storeUrl: `sqlite:${path}` });
  },
};
