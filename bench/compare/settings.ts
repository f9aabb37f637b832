/** How much work one comparison run does; defaults sized so a whole run fits 15 minutes on 2 cores. */

export const WORKLOADS = ['enqueue', 'drain', 'processes', 'latency', 'cancel', 'idle', 'scale', 'memory'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface CompareSettings {
  /** Interleaved rounds; tables show medians. @default 3 */
  rounds: number;
  /** Jobs per bulk enqueue and per drain. @default 20_000 */
  jobs: number;
  /** Single enqueues one after another. @default 1_000 */
  sequentialJobs: number;
  /** Single enqueues shared by the concurrent callers. @default 5_000 */
  concurrentJobs: number;
  /** Concurrent callers. @default 50 */
  callers: number;
  /** In-process drain concurrencies. @default [10, 50] */
  drainConcurrency: number[];
  /** Worker process counts of the multi-process drain. @default [2, 4] */
  processCounts: number[];
  /** Concurrency of each of those processes. @default 10 */
  processConcurrency: number;
  /** Latency jobs per run (after warm-up), `latencySpacingMs` apart. @default 1_000 */
  latencyJobs: number;
  /** @default 5 */
  latencySpacingMs: number;
  /** Running jobs cancelled one at a time, per Conveyor store per round. @default 50 */
  cancelJobs: number;
  /** How long idle workers' CPU is measured, once per run. @default 20_000 */
  idleMs: number;
  /** Queued jobs of the small claim-cost fixture. @default 1_000 */
  scaleBaseQueued: number;
  /** Queued jobs of the large claim-cost fixture. @default 200_000 */
  scaleQueued: number;
  /** Finished jobs beside the small queue in the history fixture. @default 1_000_000 */
  scaleFinished: number;
  /** Claim-10 + complete-10 cycles per fixture per round. @default 200 */
  scaleClaims: number;
  /** RSS is read after this many jobs … @default 10_000 */
  memoryFirstJobs: number;
  /** … and again after this many in all. @default 50_000 */
  memoryTotalJobs: number;
}

export const DEFAULT_SETTINGS: Readonly<CompareSettings> = Object.freeze({
  rounds: 3,
  jobs: 20_000,
  sequentialJobs: 1_000,
  concurrentJobs: 5_000,
  callers: 50,
  drainConcurrency: [10, 50],
  processCounts: [2, 4],
  processConcurrency: 10,
  latencyJobs: 1_000,
  latencySpacingMs: 5,
  cancelJobs: 50,
  idleMs: 20_000,
  scaleBaseQueued: 1_000,
  scaleQueued: 200_000,
  scaleFinished: 1_000_000,
  scaleClaims: 200,
  memoryFirstJobs: 10_000,
  memoryTotalJobs: 50_000,
});

/** `--quick`: every workload once, small, to see that everything runs. */
export const QUICK_SETTINGS: Partial<CompareSettings> = {
  rounds: 1,
  jobs: 2_000,
  sequentialJobs: 300,
  concurrentJobs: 1_000,
  latencyJobs: 200,
  cancelJobs: 20,
  idleMs: 5_000,
  scaleQueued: 20_000,
  scaleFinished: 50_000,
  scaleClaims: 50,
  memoryFirstJobs: 2_000,
  memoryTotalJobs: 10_000,
};

/** `--full`: the sizes for the scale and memory workloads. */
export const FULL_SETTINGS: Partial<CompareSettings> = {
  scaleQueued: 1_000_000,
  scaleFinished: 5_000_000,
  memoryFirstJobs: 100_000,
  memoryTotalJobs: 1_000_000,
};
