/**
 * `PreparedStatements.immediateUnflushed`, the commit step writes use: synchronous=NORMAL for its own
 * transaction only, the connection's setting back afterwards (also when the work throws), and the
 * commit there for every other connection when it returns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteFile } from './file-health.js';
import { PreparedStatements } from './statements.js';

const FULL = 2;
const NORMAL = 1;

let dir: string;
let path: string;
const opened: Database.Database[] = [];

function connect(synchronous: 'FULL' | 'NORMAL'): { db: Database.Database; statements: PreparedStatements } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  opened.push(db);
  return { db, statements: new PreparedStatements(db, new SqliteFile(path)) };
}

const synchronousOf = (db: Database.Database): unknown => db.pragma('synchronous', { simple: true });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-statements-'));
  path = join(dir, 'conveyor.db');
  const db = new Database(path);
  db.exec('CREATE TABLE t (n INTEGER NOT NULL)');
  db.close();
});

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('immediateUnflushed', () => {
  it('commits with synchronous=NORMAL inside, puts FULL back after, and the row is there for another connection', () => {
    const { db, statements } = connect('FULL');
    const inside = statements.immediateUnflushed(() => {
      statements.run('INSERT INTO t (n) VALUES (1)');
      return synchronousOf(db);
    });
    expect(inside).toBe(NORMAL);
    expect(synchronousOf(db)).toBe(FULL);
    expect(connect('FULL').db.prepare('SELECT n FROM t').all()).toEqual([{ n: 1 }]);
  });

  it('puts FULL back and rolls back when the work throws', () => {
    const { db, statements } = connect('FULL');
    expect(() =>
      statements.immediateUnflushed(() => {
        statements.run('INSERT INTO t (n) VALUES (2)');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(synchronousOf(db)).toBe(FULL);
    expect(db.inTransaction).toBe(false);
    expect(db.prepare('SELECT count(*) AS rows FROM t').get()).toEqual({ rows: 0 });
  });

  it('leaves a connection opened with synchronous=NORMAL as it is', () => {
    const { db, statements } = connect('NORMAL');
    statements.immediateUnflushed(() => statements.run('INSERT INTO t (n) VALUES (3)'));
    expect(synchronousOf(db)).toBe(NORMAL);
  });
});
