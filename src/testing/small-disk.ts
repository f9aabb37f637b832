/**
 * A real full disk for tests: a tmpfs of a few MiB mounted on a fresh folder, and a filler file that
 * takes every byte left. Mounting needs root, which CI has; a run as another user skips the tests
 * that need it, saying why in their titles (`SMALL_DISK_SKIP`), and a root run that cannot mount fails.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

/** Why tests of a full disk are skipped here, or null when they run (the process is root). */
export const SMALL_DISK_SKIP: string | null = process.getuid?.() === 0 ? null : 'mounting a tmpfs needs root (CI runs as root)';

export interface SmallDisk {
  /** The mount point. */
  path: string;
  /** Write a filler file until the disk is full (ENOSPC); returns its path, to delete to free the space. */
  fill(): string;
  /** Unmount and delete the folder. */
  remove(): void;
}

/** Mount a tmpfs of `size` (e.g. `'4m'`) on a new folder. */
export function mountSmallDisk(size: string): SmallDisk {
  const path = mkdtempSync(join(tmpdir(), 'conveyor-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], { stdio: 'ignore' });
  return {
    path,
    fill: () => fillUp(path),
    remove: () => {
      execFileSync('umount', ['--lazy', path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

function fillUp(directory: string): string {
  const filler = join(directory, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
  return filler;
}
