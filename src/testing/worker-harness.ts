/** What each store's worker test file provides to the worker conformance suite. */
export interface WorkerHarness {
  /** URL of a fresh, empty database, usable from this process and from child processes. */
  storeUrl: string;
  destroy(): Promise<void>;
}

export type WorkerHarnessFactory = () => Promise<WorkerHarness>;
