/** The logging interface Conveyor writes to; pino satisfies it, and so can any structured logger. */
import { pino } from 'pino';

export interface LogFn {
  (message: string): void;
  (fields: Record<string, unknown>, message?: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** pino to stderr at `CONVEYOR_LOG_LEVEL` (default `info`; `silent` turns it off). */
export function createDefaultLogger(): Logger {
  return pino({ name: 'conveyor', level: process.env.CONVEYOR_LOG_LEVEL ?? 'info' }, pino.destination(2));
}
