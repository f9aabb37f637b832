/**
 * The HTTP server, the dashboard and the CLI talk to Conveyor and `conveyor.insights`, never to the
 * store behind them (`conveyor.store`): dependency-cruiser (`npm run check:imports`) sees imports, not
 * property reads, so this scan keeps the other half of the layer rule. Tests and the tools that seed
 * demo data (`src/dashboard/screenshots/`) may use the store directly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const FRONT_ENDS = ['server', 'dashboard', 'cli'];
const EXEMPT = /\.test\.ts$|^dashboard\/(testing|screenshots)\/|^server\/test-server\.ts$/;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

it('no module of the server, the dashboard or the CLI reads conveyor.store', () => {
  const files = FRONT_ENDS.flatMap((layer) => sourceFiles(join(SRC, layer))).filter((path) => !EXEMPT.test(relative(SRC, path)));
  expect(files.length).toBeGreaterThan(50);
  const reads = files.flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .flatMap((line, index) => (/\bconveyor\??\.store\b/.test(line) ? [`${relative(SRC, path)}:${index + 1}: ${line.trim()}`] : [])),
  );
  expect(reads).toEqual([]);
});
