/**
 * How a SQLite store hears that another process wrote to its file, without polling: the kernel's file
 * notifications (inotify on Linux) for the database's folder, narrowed to the database and its `-wal`
 * (every commit in WAL mode appends to it). The folder is watched rather than the `-wal` file, because
 * SQLite deletes and recreates that file as the last connection closes and the next one opens.
 *
 * A notification only says a file changed: it may be this process's own commit. `PRAGMA data_version`
 * tells the two apart: it changes for a connection only when another connection committed. The WAL
 * is written before the commit is published (in the shared-memory index, which raises no
 * notification), so a check that finds no change looks again a moment later. A burst of
 * notifications (a busy writer appends many times) is checked once per turn of the event loop, and a
 * check reads one pragma, so a watcher beside an idle database costs nothing and one beside a busy one
 * little. File notifications can be missed on some file systems (network mounts): workers keep polling
 * as the fallback.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * When a check finds no change yet, it looks again after these delays (ms). Another process's commit
 * is published only once its WAL write is synced, and nothing notifies of that: a sync takes a few ms
 * here, but well over 100 ms on a busy disk (a CI run missed a cancel when the looks stopped at 80 ms).
 * So: every ms at first (in bench:compare, p99 enqueue→start went from 13.9 to 7.6 ms against
 * doubling from 1 ms), then doubling up to about 1.5 s in all. Each look reads one prepared pragma,
 * and only one chain of looks runs at a time.
 */
const RECHECK_AFTER_MS = [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 4, 4, 8, 16, 32, 64, 128, 256, 512, 512];

export interface ChangeWatcherOptions {
  /** Absolute path of the database file. */
  path: string;
  /** The store connection's `PRAGMA data_version`. */
  dataVersion: () => number;
  /** Called once per check that found another connection's commit. */
  onChange: () => void;
  /** Called when the folder can no longer be watched; the watcher has stopped. */
  onError: (error: unknown) => void;
}

export class DatabaseChangeWatcher {
  private readonly watcher: FSWatcher;
  private readonly names: Set<string>;
  private lastVersion: number;
  private checkQueued = false;
  private closed = false;
  private recheck: NodeJS.Timeout | null = null;

  constructor(private readonly options: ChangeWatcherOptions) {
    const file = basename(options.path);
    this.names = new Set([file, `${file}-wal`]);
    this.lastVersion = options.dataVersion();
    // Not `persistent`: a worker's own timers keep the process alive, the watcher must not.
    this.watcher = watch(dirname(options.path), { persistent: false }, (_event, name) => {
      if (name === null || this.names.has(name.toString())) this.queueCheck();
    });
    this.watcher.on('error', (error) => {
      this.close();
      options.onError(error);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.recheck !== null) clearTimeout(this.recheck);
    this.watcher.close();
  }

  private queueCheck(): void {
    if (this.checkQueued || this.closed) return;
    this.checkQueued = true;
    setImmediate(() => {
      this.checkQueued = false;
      if (!this.closed) this.check(RECHECK_AFTER_MS);
    });
  }

  /**
   * Tell of another connection's commit, then look again after each delay of `recheckAfter`. A
   * notification starts the looks over, replacing the chain still running for an earlier one (it may
   * be near its end when this commit's sync begins), and a change seen does not end them: another
   * commit noticed meanwhile may still be syncing.
   */
  private check(recheckAfter: readonly number[] = []): void {
    let version: number;
    try {
      version = this.options.dataVersion();
    } catch {
      // The store was closed under the watcher: nothing left to tell.
      this.close();
      return;
    }
    if (version !== this.lastVersion) {
      this.lastVersion = version;
      this.options.onChange();
    }
    if (this.recheck !== null) clearTimeout(this.recheck);
    this.recheck = null;
    const [delay, ...later] = recheckAfter;
    if (delay === undefined || this.closed) return;
    this.recheck = setTimeout(() => {
      this.recheck = null;
      if (!this.closed) this.check(later);
    }, delay);
    this.recheck.unref();
  }
}
