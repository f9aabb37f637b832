/**
 * The SQLite file's health, seen from outside SQLite: whether the path still names the file this
 * process opened, whether that file is a whole SQLite database, writable, on a disk with room left;
 * and SQLite's own errors for the same faults turned into `ConveyorStoreFaultError`s that name the
 * file and say what to do.
 *
 * Why from outside: a file deleted (or replaced by a restore) under a running process keeps working
 * for that process, on an inode no one else will ever open, so SQLite itself never complains. And a
 * truncated file fails only the statements that touch its missing pages, which a readiness probe's
 * small reads may never do.
 */
import { accessSync, closeSync, constants, openSync, readSync, statfsSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConveyorStoreFaultError, type StoreFault } from '../store/store-fault.js';
import type { StoreWritability } from '../store/store.js';

/** Free space under which the disk counts as full: a checkpoint or a burst of jobs needs some room. */
export const MIN_FREE_BYTES = 1024 * 1024;

/** The 16 bytes every SQLite database file starts with. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

/** SQLite result codes (the primary code, before any `_EXTENDED` suffix) that mean a fault of the file or disk. */
const FAULTS: Record<string, Exclude<StoreFault, 'file-lost'>> = {
  SQLITE_FULL: 'disk-full',
  SQLITE_CORRUPT: 'corrupt',
  SQLITE_NOTADB: 'corrupt',
  SQLITE_READONLY: 'read-only',
  SQLITE_IOERR: 'io-error',
  SQLITE_CANTOPEN: 'io-error',
};

/** What to do about each fault, after the sentence saying what happened. */
const REMEDIES: Record<StoreFault, (path: string) => string> = {
  'disk-full': () => 'Free space on that disk or move the database to a larger one; writes fail until then, and workers retry them.',
  corrupt: (path) =>
    `Stop every Conveyor process using it, then restore it from a backup, or move it (with its -wal and -shm files) aside to start on an empty one; \`sqlite3 ${path} "PRAGMA integrity_check"\` shows the damage.`,
  'read-only': () => 'Make the file, its -wal and -shm files and their folder writable by this process, and check that the disk is not mounted read-only.',
  'file-lost': () =>
    'Jobs written now would go to a file no other process can open. Restart every Conveyor process using it, so they all open the file now at that path.',
  'io-error': () => 'Check the disk (dmesg, SMART) and the file system; restart the process once it is fixed.',
};

/** A `ConveyorStoreFaultError` for `fault` of the file at `path`, its message `what` followed by the remedy. */
export function sqliteFaultError(fault: StoreFault, path: string, what: string, cause?: unknown): ConveyorStoreFaultError {
  return new ConveyorStoreFaultError(fault, `${what} ${REMEDIES[fault](path)}`, cause === undefined ? undefined : { cause });
}

/**
 * The `ConveyorStoreFaultError` a SQLite error means, or the error itself when it is not a fault of
 * the file or disk (a constraint, a busy lock, a bug), so callers can `throw asSqliteFault(…)`.
 */
export function asSqliteFault(error: unknown, path: string): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  // SQLITE_IOERR_WRITE, SQLITE_CORRUPT_INDEX…: the primary code is the first two words.
  const fault = FAULTS[error.code.split('_').slice(0, 2).join('_')];
  if (fault === undefined) return error;
  const what = {
    'disk-full': `The SQLite database ${path} cannot grow: the disk holding it is full (${error.code}).`,
    corrupt: `The SQLite database ${path} is corrupt or not a SQLite database (${error.code}: ${error.message}).`,
    'read-only': `The SQLite database ${path} cannot be written (${error.code}: ${error.message}).`,
    'io-error': `Reading or writing the SQLite database ${path} failed (${error.code}: ${error.message}).`,
  }[fault];
  return sqliteFaultError(fault, path, what, error);
}

/** The file a store opened: its absolute path and the identity it had then. */
export class SqliteFile {
  private readonly identity: Pick<Stats, 'dev' | 'ino'>;

  /** @param path absolute path of a database file that exists now (just opened). */
  constructor(readonly path: string) {
    this.identity = statSync(path);
  }

  /** Throws a `file-lost` fault when the path no longer names the file opened; one `stat`, cheap enough for every write. */
  assertSameFile(): void {
    const problem = this.identityProblem();
    if (problem !== null) throw sqliteFaultError('file-lost', this.path, problem);
  }

  /** Whether a write would be taken now, without writing: same file, whole, writable, room on the disk. */
  writability(): StoreWritability {
    const checks: Array<() => { fault: StoreFault; what: string } | null> = [
      () => nullOr('file-lost', this.identityProblem()),
      () => nullOr('corrupt', headerProblem(this.path)),
      () => nullOr('read-only', writeAccessProblem(this.path)),
      () => nullOr('disk-full', freeSpaceProblem(this.path)),
    ];
    for (const check of checks) {
      const found = check();
      if (found !== null) return { writable: false, fault: found.fault, problem: sqliteFaultError(found.fault, this.path, found.what).message };
    }
    return { writable: true, detail: `the SQLite file ${this.path} is whole and writable, with room on its disk` };
  }

  private identityProblem(): string | null {
    let now: Stats;
    try {
      now = statSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return `The SQLite database ${this.path} was deleted while this process had it open.`;
      throw error;
    }
    if (now.dev === this.identity.dev && now.ino === this.identity.ino) return null;
    return `The SQLite database ${this.path} was replaced by another file while this process had it open (inode ${this.identity.ino} then, ${now.ino} now).`;
  }
}

function nullOr(fault: StoreFault, what: string | null): { fault: StoreFault; what: string } | null {
  return what === null ? null : { fault, what };
}

/**
 * A file that does not start with SQLite's magic, or shorter than its header says (truncated). The
 * header's page count is trusted only when SQLite marked it valid (offset 92 equals the change
 * counter at 24); an empty file is a new database.
 */
function headerProblem(path: string): string | null {
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = statSync(path).size;
    if (size === 0) return null;
    readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (size < HEADER_BYTES || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    return `The SQLite database ${path} is corrupt: it does not start with a SQLite header.`;
  }
  const pageSize = header.readUInt16BE(16) === 1 ? 65_536 : header.readUInt16BE(16);
  const pages = header.readUInt32BE(28);
  if (header.readUInt32BE(92) !== header.readUInt32BE(24) || pages * pageSize <= size) return null;
  return `The SQLite database ${path} is corrupt: its header says ${pages * pageSize} bytes, but the file has ${size} (truncated).`;
}

/** The file or its folder not writable (a read-only mount, permissions). */
function writeAccessProblem(path: string): string | null {
  for (const target of [path, dirname(path)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      return `The SQLite database ${path} cannot be written: ${target} is not writable (${(error as NodeJS.ErrnoException).code}).`;
    }
  }
  return null;
}

function freeSpaceProblem(path: string): string | null {
  const disk = statfsSync(dirname(path));
  const free = disk.bavail * disk.bsize;
  if (free >= MIN_FREE_BYTES) return null;
  return `The SQLite database ${path} cannot grow: the disk holding it has ${free} bytes free (below ${MIN_FREE_BYTES}).`;
}
