/**
 * Inserting jobs on PostgreSQL, for enqueue and for a schedule that fires: one `JOB_INSERT` per round,
 * on whatever it is given (the pool, the store's transaction, or the caller's), so an insert joins the
 * transaction it runs in. A job whose dedup key is held gets the holder back; if the holder finished
 * between the insert and the lookup, the job goes round again.
 */
import { ConveyorError } from '../errors.js';
import type { JobInsert, JobInsertResult } from '../store/store.js';
import type { PostgresAccess, Queryable } from './access.js';
import type { PostgresQueries } from './queries.js';
import { insertRecord } from './records.js';
import { jobFromRow, type JobRow } from './rows.js';

/** How often an insert retries a dedup key whose holder finished between the insert and the lookup. */
const DEDUP_RACE_RETRIES = 5;

export class JobInserts {
  constructor(
    private readonly db: PostgresAccess,
    private readonly sql: PostgresQueries,
  ) {}

  /** Inserts in input order, on `db`; results in input order too. */
  async insert(db: Queryable, jobs: JobInsert[], now: Date): Promise<JobInsertResult[]> {
    const results: Array<JobInsertResult | undefined> = new Array(jobs.length);
    let pending = jobs.map((job, index) => ({ job, index }));
    for (let round = 0; pending.length > 0; round++) {
      if (round > DEDUP_RACE_RETRIES) {
        throw new ConveyorError(`Enqueue gave up after ${DEDUP_RACE_RETRIES} rounds: the dedup key holders kept finishing between insert and lookup.`);
      }
      const inserted = await this.db.all<JobRow>(db, this.sql.JOB_INSERT, [JSON.stringify(pending.map(({ job }, ord) => insertRecord(job, ord, now))), now]);
      // Rows come back in id order, which is input order; a job without a key always goes in.
      const withoutKey = inserted.filter((row) => row.dedup_key === null);
      const byKey = new Map(inserted.filter((row) => row.dedup_key !== null).map((row) => [dedupIdentity(row.task, row.dedup_key), row]));
      const skipped: typeof pending = [];
      for (const item of pending) {
        if (item.job.dedupKey === null) {
          results[item.index] = { job: jobFromRow(withoutKey.shift() as JobRow), duplicate: false };
          continue;
        }
        const identity = dedupIdentity(item.job.task, item.job.dedupKey);
        const row = byKey.get(identity);
        if (row === undefined) {
          skipped.push(item);
        } else {
          results[item.index] = { job: jobFromRow(row), duplicate: false };
          byKey.delete(identity); // a later job of the batch with the same key is a duplicate of this one
        }
      }
      if (skipped.length === 0) break;
      const holders = await this.db.all<JobRow>(db, this.sql.JOB_GET_UNFINISHED_BY_DEDUP_KEYS, [
        skipped.map(({ job }) => job.task),
        skipped.map(({ job }) => job.dedupKey),
      ]);
      const holderByKey = new Map(holders.map((row) => [dedupIdentity(row.task, row.dedup_key), row]));
      pending = [];
      for (const item of skipped) {
        const holder = holderByKey.get(dedupIdentity(item.job.task, item.job.dedupKey));
        if (holder === undefined) pending.push(item);
        else results[item.index] = { job: jobFromRow(holder), duplicate: true };
      }
    }
    return results as JobInsertResult[];
  }
}

function dedupIdentity(task: string, dedupKey: string | null): string {
  return JSON.stringify([task, dedupKey]);
}
