/** OpenTelemetry traces through a real worker on a SQLite file (`testing/tracing-scenarios.ts`). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { tracingScenarios } from '../testing/tracing-scenarios.js';

describe('tracing: sqlite', () => {
  tracingScenarios(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-tracing-'));
    return { storeUrl: `sqlite:${join(dir, 'conveyor.db')}`, destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  });
});
