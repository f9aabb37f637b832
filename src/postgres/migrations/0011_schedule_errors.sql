-- Schedules, version 11 (as SQLite's 0011): the error that last kept a schedule from firing, and
-- when; workers record it once per distinct error, and firing clears it.
ALTER TABLE schedules ADD COLUMN last_error text, ADD COLUMN last_error_at timestamptz;
