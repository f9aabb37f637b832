/** How the children open Conveyor on the backend under test: the store's own chunks, or a directory. */
import { Conveyor, directoryArtifactBackend } from '../../src/index.js';
import { silentLogger } from '../shared.js';

/** `store` for the store backend, or the directory of the directory backend. */
export type BackendArg = 'store' | string;

export function openConveyor(storeUrl: string, backend: BackendArg, maxBytes: number): Promise<Conveyor> {
  return Conveyor.open({
    store: storeUrl,
    logger: silentLogger,
    artifacts: { backend: backend === 'store' ? undefined : directoryArtifactBackend(backend), maxBytes: Math.max(1, maxBytes), maxJobBytes: Math.max(1, maxBytes) },
  });
}
