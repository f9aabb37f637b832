/** What every workload is given: the settings, the systems that passed their checks, and shared helpers. */
import { BenchServer } from '../postgres/server.js';
import type { ResultTable } from './results.js';
import type { CompareSettings } from './settings.js';
import type { Environment, QueueSystem } from './system.js';
import type { LoadedSystem } from './systems.js';

export interface Workload {
  readonly tables: ResultTable[];
  /** One round: every system measured once, one after another (rounds interleave systems A B C … A B C). */
  round?(round: number): Promise<void>;
  /** Work done once per run, after the rounds (it interleaves its own repetitions). */
  once?(): Promise<void>;
}

export class RunContext {
  private server: Promise<BenchServer> | null = null;
  /** Set on Ctrl-C: measurements not yet started are skipped, so no new state is created. */
  aborted = false;

  constructor(
    readonly settings: CompareSettings,
    readonly environment: Environment,
    readonly systems: LoadedSystem[],
  ) {}

  has(key: string): boolean {
    return this.systems.some((system) => system.key === key);
  }

  /**
   * Run one measurement on a fresh instance of `system`, closed afterwards. A failure prints one line
   * and gives NaN (shown as n/a) so the rest of the run goes on.
   */
  async measure(system: LoadedSystem, label: string, run: (instance: QueueSystem) => Promise<number>): Promise<number> {
    return this.attempt(`${system.definition.name}: ${label}`, async () => {
      if (this.aborted) return Number.NaN;
      const instance = await system.definition.create(this.environment);
      try {
        return await run(instance);
      } finally {
        await instance.close();
      }
    });
  }

  /** `run`, or NaN and one line on stderr if it throws; NaN at once after an abort. */
  async attempt(label: string, run: () => Promise<number>): Promise<number> {
    if (this.aborted) return Number.NaN;
    try {
      return await run();
    } catch (error) {
      process.stderr.write(`  ${label} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      return Number.NaN;
    }
  }

  /** The PostgreSQL bench server the raw floors run on (fresh Conveyor schemas), connected on first use. */
  floorServer(): Promise<BenchServer> {
    this.server ??= BenchServer.connect(this.environment.postgresUrl);
    return this.server;
  }

  async close(): Promise<void> {
    if (this.server !== null) await (await this.server.catch(() => null))?.close();
  }
}

/** Elapsed seconds of `run`, on the monotonic clock. */
export async function timed(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}
