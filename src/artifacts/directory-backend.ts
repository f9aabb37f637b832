/**
 * Artifact bytes as files in a directory every worker and server mounts (NFS, EFS, a shared disk):
 * `<root>/<key>`, written first to `<root>/.partial/…` and renamed into place once complete and
 * fsynced, so a reader never sees half a file. `sweep` deletes, once older than its cut-off, what a
 * killed write left in `.partial` and whole files no record names (a worker killed between writing
 * and recording). It walks the directory: maintenance runs it hourly, not every minute.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConveyorConfigError } from '../errors.js';
import type { ArtifactBackend } from './backend.js';

const PARTIAL = '.partial';

/** Keys are Conveyor's own (`job-42/1-<uuid>`); anything else is a bug, never a path to follow. */
const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/** The entries of `dir` (its subdirectories when `directories`), as paths; none when it does not exist. */
async function filesIn(dir: string, directories = false): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => (directories ? entry.isDirectory() : entry.isFile())).map((entry) => join(dir, entry.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function modifiedBefore(file: string, before: Date): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  return info !== null && info.mtime < before;
}

export function directoryArtifactBackend(path: string): ArtifactBackend {
  if (typeof path !== 'string' || path.trim() === '') throw new ConveyorConfigError('directoryArtifactBackend(path)', `must be a directory path, got ${JSON.stringify(path)}`, "'/mnt/shared/conveyor-artifacts'");
  const root = resolve(path);
  const partialDir = join(root, PARTIAL);
  const fileOf = (key: string): string => {
    if (!KEY.test(key)) throw new Error(`artifact key ${JSON.stringify(key)} is not one Conveyor makes`);
    return join(root, key);
  };

  const remove = async (keys: readonly string[]): Promise<void> => {
    const dirs = new Set<string>();
    for (const key of keys) {
      const file = fileOf(key);
      await rm(file, { force: true });
      dirs.add(dirname(file));
    }
    // A job's directory goes with its last file; one still in use is not empty, and stays.
    for (const dir of dirs) if (dir !== root) await rmdir(dir).catch(() => undefined);
  };

  return {
    description: `directory ${root}`,

    async write(key, chunks) {
      const file = fileOf(key);
      await mkdir(partialDir, { recursive: true });
      const partial = join(partialDir, key.replaceAll('/', '~'));
      const handle = await open(partial, 'w');
      try {
        try {
          for await (const chunk of chunks) await handle.write(chunk);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await mkdir(dirname(file), { recursive: true });
        await rename(partial, file);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    },

    read(key, range) {
      return createReadStream(fileOf(key), range === null ? {} : { start: range.start, end: range.end });
    },

    delete: remove,

    async sweep({ before, limit, referenced }) {
      let deleted = 0;
      // Files a killed write left half-written.
      for (const file of await filesIn(partialDir)) {
        if (deleted >= limit) return deleted;
        if ((await modifiedBefore(file, before)) && (await rm(file, { force: true }).then(() => true))) deleted += 1;
      }
      // Files written whole whose record was never added (a worker killed between the two).
      const candidates: string[] = [];
      for (const dir of await filesIn(root, true)) {
        if (dir === partialDir) continue;
        for (const file of await filesIn(dir)) if (await modifiedBefore(file, before)) candidates.push(relative(root, file).split(sep).join('/'));
      }
      for (let index = 0; index < candidates.length && deleted < limit; index += limit) {
        const keys = candidates.slice(index, index + limit).filter((key) => KEY.test(key));
        const named = await referenced(keys);
        const unnamed = keys.filter((key) => !named.has(key)).slice(0, limit - deleted);
        await remove(unnamed);
        deleted += unnamed.length;
      }
      return deleted;
    },
  };
}
