/**
 * Schedules on PostgreSQL: one statement per operation, except firing. A fire is one transaction on
 * one connection: a compare-and-set moves the schedule to its next tick, and only if that changed the
 * row is the job inserted, by the same insert as enqueue (job-inserts.ts) on the same connection, so
 * of many processes firing one tick exactly one inserts, and the job's NOTIFY goes out when it commits.
 */
import { ConveyorError } from '../errors.js';
import { boundedText, MAX_ERROR_TEXT_BYTES, storableText, toJsonText } from '../store/encoding.js';
import { boundedLimit } from '../store/row-limits.js';
import type { ScheduleFireParams, ScheduleFireResult, ScheduleRecord, ScheduleStore, ScheduleUpsert } from '../store/store.js';
import type { PostgresAccess } from './access.js';
import type { JobInserts } from './job-inserts.js';
import type { PostgresQueries } from './queries.js';
import { scheduleFromRow, type ScheduleRow } from './rows.js';

export class PostgresSchedules implements ScheduleStore {
  constructor(
    private readonly db: PostgresAccess,
    private readonly sql: PostgresQueries,
    /** The store's job insert, run by `fire` inside its own transaction. */
    private readonly jobInserts: JobInserts,
  ) {}

  async upsert(params: { schedule: ScheduleUpsert; now: Date }): Promise<ScheduleRecord> {
    const { schedule } = params;
    const row = await this.db.one<ScheduleRow>(this.db.pool, this.sql.SCHEDULE_UPSERT, [
      schedule.name,
      schedule.task,
      schedule.queue,
      schedule.cron,
      schedule.timeZone,
      toJsonText(schedule.input),
      schedule.missed,
      schedule.nextRunAt,
      params.now,
    ]);
    if (row === undefined) throw new ConveyorError(`PostgreSQL returned no row for schedule "${schedule.name}" it upserted.`);
    return scheduleFromRow(row);
  }

  async list(): Promise<ScheduleRecord[]> {
    return (await this.db.all<ScheduleRow>(this.db.pool, this.sql.SCHEDULE_LIST, [])).map(scheduleFromRow);
  }

  async pause(params: { name: string; now: Date }): Promise<ScheduleRecord | null> {
    const row = await this.db.one<ScheduleRow>(this.db.pool, this.sql.SCHEDULE_PAUSE, [params.name, params.now]);
    return row === undefined ? null : scheduleFromRow(row);
  }

  async resume(params: { name: string; nextRunAt: Date; now: Date }): Promise<ScheduleRecord | null> {
    const row = await this.db.one<ScheduleRow>(this.db.pool, this.sql.SCHEDULE_RESUME, [params.name, params.nextRunAt, params.now]);
    return row === undefined ? null : scheduleFromRow(row);
  }

  async remove(params: { name: string }): Promise<boolean> {
    return (await this.db.run(this.db.pool, this.sql.SCHEDULE_REMOVE, [params.name])) === 1;
  }

  async errorRecord(params: { name: string; message: string; now: Date }): Promise<boolean> {
    const message = storableText(boundedText(params.message, MAX_ERROR_TEXT_BYTES));
    return (await this.db.run(this.db.pool, this.sql.SCHEDULE_ERROR_RECORD, [params.name, message, params.now])) === 1;
  }

  async dueList(params: { now: Date; limit: number }): Promise<ScheduleRecord[]> {
    const { now } = params;
    const limit = boundedLimit(params.limit);
    const rows = await this.db.all<ScheduleRow>(this.db.pool, this.sql.SCHEDULE_DUE_LIST, [now, limit]);
    return rows.map(scheduleFromRow);
  }

  async fire(params: ScheduleFireParams): Promise<ScheduleFireResult> {
    return this.db.transaction(async (client) => {
      const advanced = await this.db.run(client, this.sql.SCHEDULE_ADVANCE, [
        params.name,
        params.expectedNextRunAt,
        params.nextRunAt,
        params.tick,
        params.now,
      ]);
      if (advanced === 0) return { fired: false, job: null };
      if (params.job === null) return { fired: true, job: null };
      // The same insert as enqueue, so its NOTIFY wakes workers of the queue when this commits.
      const [inserted] = await this.jobInserts.insert(client, [params.job], params.now);
      return { fired: true, job: inserted?.job ?? null };
    });
  }
}
