/**
 * Schedules on the SQLite store (`store.schedules`): defining, pausing, resuming and removing them, listing the due
 * ones, and *firing* one, which advances its next run and enqueues its job as one write.
 *
 * `fire` is one BEGIN IMMEDIATE transaction: the advance is a
 * compare-and-set on the next run the caller read, so of the processes that fire the same tick,
 * one advances the schedule and inserts the job, and the others change nothing.
 */
import { ConveyorError } from '../errors.js';
import { boundedText, MAX_ERROR_TEXT_BYTES, storableText, toJsonText } from '../store/encoding.js';
import { boundedLimit } from '../store/row-limits.js';
import type { JobInsert, JobInsertResult, ScheduleFireParams, ScheduleFireResult, ScheduleRecord, ScheduleStore, ScheduleUpsert } from '../store/store.js';
import * as sql from './queries.js';
import { scheduleFromRow, type ScheduleRow } from './rows.js';
import type { PreparedStatements } from './statements.js';

/** The store's own job insert (dedup check included), run in the caller's transaction. */
export type InsertJob = (job: JobInsert, now: number) => JobInsertResult;

export class SqliteSchedules implements ScheduleStore {
  constructor(
    private readonly db: PreparedStatements,
    private readonly insertJob: InsertJob,
  ) {}

  async upsert(params: { schedule: ScheduleUpsert; now: Date }): Promise<ScheduleRecord> {
    const { schedule, now } = params;
    const row = this.db.get<ScheduleRow>(sql.SCHEDULE_UPSERT, {
      name: schedule.name,
      task: schedule.task,
      queue: schedule.queue,
      cron: schedule.cron,
      timeZone: schedule.timeZone,
      input: toJsonText(schedule.input),
      missed: schedule.missed,
      nextRunAt: schedule.nextRunAt.getTime(),
      now: now.getTime(),
    });
    if (row === undefined) throw new ConveyorError(`SQLite returned no row for schedule "${schedule.name}" it upserted.`);
    return scheduleFromRow(row);
  }

  async list(): Promise<ScheduleRecord[]> {
    return this.db.all<ScheduleRow>(sql.SCHEDULE_LIST).map(scheduleFromRow);
  }

  async pause(params: { name: string; now: Date }): Promise<ScheduleRecord | null> {
    const row = this.db.get<ScheduleRow>(sql.SCHEDULE_PAUSE, { name: params.name, now: params.now.getTime() });
    return row === undefined ? null : scheduleFromRow(row);
  }

  async resume(params: { name: string; nextRunAt: Date; now: Date }): Promise<ScheduleRecord | null> {
    const row = this.db.get<ScheduleRow>(sql.SCHEDULE_RESUME, {
      name: params.name,
      nextRunAt: params.nextRunAt.getTime(),
      now: params.now.getTime(),
    });
    return row === undefined ? null : scheduleFromRow(row);
  }

  async remove(params: { name: string }): Promise<boolean> {
    return this.db.run(sql.SCHEDULE_REMOVE, { name: params.name }) === 1;
  }

  async errorRecord(params: { name: string; message: string; now: Date }): Promise<boolean> {
    const message = storableText(boundedText(params.message, MAX_ERROR_TEXT_BYTES));
    return this.db.run(sql.SCHEDULE_ERROR_RECORD, { name: params.name, message, now: params.now.getTime() }) === 1;
  }

  async dueList(params: { now: Date; limit: number }): Promise<ScheduleRecord[]> {
    return this.db.all<ScheduleRow>(sql.SCHEDULE_DUE_LIST, { now: params.now.getTime(), limit: boundedLimit(params.limit) }).map(scheduleFromRow);
  }

  async fire(params: ScheduleFireParams): Promise<ScheduleFireResult> {
    // One transaction: the schedule advances only if its job is inserted too.
    return this.db.immediate(() => this.fireInTransaction(params));
  }

  private fireInTransaction(params: ScheduleFireParams): ScheduleFireResult {
    const now = params.now.getTime();
    const advanced = this.db.run(sql.SCHEDULE_ADVANCE, {
      name: params.name,
      expectedNextRunAt: params.expectedNextRunAt.getTime(),
      nextRunAt: params.nextRunAt.getTime(),
      tick: params.tick.getTime(),
      now,
    });
    if (advanced === 0) return { fired: false, job: null };
    return { fired: true, job: params.job === null ? null : this.insertJob(params.job, now).job };
  }
}
