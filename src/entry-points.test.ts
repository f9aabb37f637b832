/** `import … from 'conveyor'` must load no database driver: drivers live on their own subpaths. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Import `entry` in a fresh Node process and list the driver packages it loaded. */
function driversLoadedBy(entry: string): string[] {
  const url = new URL(entry, import.meta.url).href;
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(url)});
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify(['better-sqlite3', 'pg', 'postgres'].filter((driver) => loaded.some((path) => path.includes('/node_modules/' + driver + '/')))));
  `;
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('entry points', () => {
  it("the main entry point loads no database driver", () => {
    expect(driversLoadedBy('./index.ts')).toEqual([]);
  });

  it('the sqlite subpath loads better-sqlite3', () => {
    expect(driversLoadedBy('./sqlite/index.ts')).toEqual(['better-sqlite3']);
  });

  it('the postgres subpath loads pg', () => {
    expect(driversLoadedBy('./postgres/index.ts')).toEqual(['pg']);
  });

  it('the testing subpath loads better-sqlite3 (its store is in-memory SQLite) and not pg', () => {
    expect(driversLoadedBy('./testkit/index.ts')).toEqual(['better-sqlite3']);
  });
});
