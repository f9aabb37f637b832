import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { runWorkerConformance } from '../testing/worker-conformance/index.js';

describe('worker conformance: sqlite', () => {
  runWorkerConformance(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-worker-'));
    return {
      storeUrl: `sqlite:${join(dir, 'conveyor.db')}`,
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
});
