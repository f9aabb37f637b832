/** A `Logger` that keeps what is logged, so tests can check which lines were written and how often. */
import type { LogFn, Logger } from '../logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  level: LogLevel;
  message: string;
  /** The fields of the call, with the bindings of every `child` it was made through. */
  fields: Record<string, unknown>;
  /** `Date.now()` when it was logged. */
  at: number;
}

export interface CaptureLogger extends Logger {
  /** Every line logged through this logger or its children, oldest first. */
  readonly lines: LogLine[];
  /** The lines with this message (and level, when given). */
  find(message: string, level?: LogLevel): LogLine[];
}

export function captureLogger(): CaptureLogger {
  const lines: LogLine[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const at = (level: LogLevel): LogFn =>
      ((first: string | Record<string, unknown>, message?: string) => {
        if (typeof first === 'string') lines.push({ level, message: first, fields: { ...bindings }, at: Date.now() });
        else lines.push({ level, message: message ?? '', fields: { ...bindings, ...first }, at: Date.now() });
      }) as LogFn;
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => make({ ...bindings, ...more }) };
  };
  const root = make({});
  return {
    ...root,
    lines,
    find: (message, level) => lines.filter((line) => line.message === message && (level === undefined || line.level === level)),
  };
}
