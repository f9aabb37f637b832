import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ConveyorError, ConveyorStateError, ConveyorStoreUnavailableError } from '../errors.js';
import { isContentRefusal, isConveyorBug, isStoreUnavailable } from './store-errors.js';
import { ConveyorStoreFaultError } from './store-fault.js';

function sqliteError(code: string): Error {
  return new Database.SqliteError('from SQLite', code);
}

describe('telling an outage from a refusal and from a bug', () => {
  it('counts the store not answering, not keeping writes, or any driver error it cannot place as unavailable: retried', () => {
    for (const error of [
      new ConveyorStoreUnavailableError('Cannot reach the PostgreSQL store'),
      new ConveyorStoreFaultError('disk-full', 'disk full'),
      sqliteError('SQLITE_BUSY'),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      new Error('Connection terminated unexpectedly'),
    ]) {
      expect([isStoreUnavailable(error), isContentRefusal(error), isConveyorBug(error)], error.message).toEqual([true, false, false]);
    }
  });

  it('counts values the store refused as content refusals: never retried, never an outage', () => {
    for (const error of [new TypeError('Do not know how to serialize a BigInt'), sqliteError('SQLITE_TOOBIG'), Object.assign(new Error('invalid byte sequence'), { code: '22021' })]) {
      expect([isStoreUnavailable(error), isContentRefusal(error)], error.message).toEqual([false, true]);
    }
  });

  it("counts a failure in Conveyor's own code as a bug: never retried, never an outage", () => {
    for (const error of [new ConveyorError('SQLite returned no row for the job it inserted.'), new ConveyorStateError('not running'), new ReferenceError('x is not defined')]) {
      expect([isStoreUnavailable(error), isConveyorBug(error)], error.message).toEqual([false, true]);
    }
  });
});
