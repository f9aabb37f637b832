/** For workloads that measure Conveyor alone (its cancel, its idle CPU): each Conveyor system of the run, on a fresh store. */
import { ConveyorSystem } from './adapters/conveyor.js';
import type { RunContext } from './context.js';

/**
 * `measure` on a fresh instance of each Conveyor system of the run, given its store URL; a system's
 * result is undefined when its measurement failed (the failure is printed, and the run goes on).
 */
export async function measureEachConveyor<T>(run: RunContext, label: string, measure: (storeUrl: string) => Promise<T>): Promise<Array<{ name: string; result: T | undefined }>> {
  const results: Array<{ name: string; result: T | undefined }> = [];
  for (const system of run.systems.filter((candidate) => candidate.key.startsWith('conveyor-'))) {
    let result: T | undefined;
    await run.measure(system, label, async (instance) => {
      if (!(instance instanceof ConveyorSystem)) throw new Error(`${system.definition.name} is not a Conveyor system`);
      result = await measure(instance.storeUrl);
      return 0;
    });
    results.push({ name: system.definition.name, result });
  }
  return results;
}
