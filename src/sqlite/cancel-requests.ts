/**
 * How a SQLite store tells listeners of a cancel requested by another process: SQLite sends no facts
 * between processes, so after each commit of another process the store reads which running jobs have
 * a cancel requested, and tells each one once. A worker aborts the job at once instead of at its next
 * heartbeat.
 */
export class CancelRequestsSeen {
  private told = new Set<string>();

  /** @param runningCancelRequested the ids of the running jobs whose cancel was requested, read now */
  constructor(private readonly runningCancelRequested: () => string[]) {}

  /** The running jobs whose cancel was requested and not yet told; forgets the jobs no longer running. */
  untold(): string[] {
    const requested = this.runningCancelRequested();
    const untold = requested.filter((id) => !this.told.has(id));
    this.told = new Set(requested);
    return untold;
  }
}
