-- Schedules, version 11: the error that last kept a schedule from firing (its job could not be built,
-- or the store refused it) and when, so `conveyor.schedules.list()` says why a due schedule does not
-- fire. Workers record it once per distinct error; firing clears it.
ALTER TABLE conveyor_schedules ADD COLUMN last_error TEXT;
ALTER TABLE conveyor_schedules ADD COLUMN last_error_at INTEGER;
