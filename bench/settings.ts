/** How much work one bench run does; the same for SQLite and PostgreSQL, set from the command line. */
export interface BenchSettings {
  /** Interleaved rounds; the table shows medians. @default 3 */
  rounds: number;
  /** Jobs per bulk enqueue run. @default 20_000 */
  bulkJobs: number;
  /** Queued jobs per drain run. @default 20_000 */
  drainJobs: number;
  /** Single enqueues per latency run. @default 500 */
  latencyJobs: number;
  /** The steady rate of those enqueues. @default 100 */
  latencyPerSecond: number;
}

export const DEFAULT_BENCH_SETTINGS: Readonly<BenchSettings> = Object.freeze({
  rounds: 3,
  bulkJobs: 20_000,
  drainJobs: 20_000,
  latencyJobs: 500,
  latencyPerSecond: 100,
});
