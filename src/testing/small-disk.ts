/**
 * A real full disk for tests: a tmpfs of a few MiB mounted on a fresh folder, and a filler file that
 * takes every byte left. Mounting needs root, which CI has. A run as another user skips the tests
 * that need it, saying why in their titles, unless `CONVEYOR_REQUIRE_SMALL_DISK=1` (set by
 * `.ci/run`), which makes them fail instead; a root run that cannot mount fails.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

/** Why a tmpfs cannot be mounted here, or null when it can (the process is root). */
const CANNOT_MOUNT: string | null = process.getuid?.() === 0 ? null : 'mounting a tmpfs needs root';

/**
 * Declare a test that gets a mounted 4 MiB disk (unmounted after it). Where this process cannot
 * mount one, the test is skipped with the reason in its title, or fails under
 * `CONVEYOR_REQUIRE_SMALL_DISK=1`, so CI never passes it as skipped.
 */
export function itWithSmallDisk(title: string, body: (disk: SmallDisk) => Promise<void>, timeoutMs?: number): void {
  if (CANNOT_MOUNT === null) {
    it(
      title,
      async () => {
        const disk = mountSmallDisk('4m');
        try {
          await body(disk);
        } finally {
          disk.remove();
        }
      },
      timeoutMs,
    );
  } else if (process.env.CONVEYOR_REQUIRE_SMALL_DISK === '1') {
    it(title, () => {
      throw new Error(`${CANNOT_MOUNT}; run the tests as root, or unset CONVEYOR_REQUIRE_SMALL_DISK to skip this one`);
    });
  } else {
    it.skip(`${title} (skipped: ${CANNOT_MOUNT}; CONVEYOR_REQUIRE_SMALL_DISK=1 makes this fail instead)`, () => {}); // reason: not root, and the variable unset
  }
}

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
