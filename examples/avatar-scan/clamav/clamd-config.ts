/**
 * The clamd.conf of a private, throw-away clamd: TCP on loopback only, in the foreground, with every
 * file it writes (pid, log, scan temp files) and the signatures it reads in one directory of its own.
 */

export interface ClamdConfigInput {
  /** TCP port on 127.0.0.1 (1-65535). */
  port: number;
  /** Directory holding the signature databases clamd loads at start. */
  databaseDirectory: string;
  /** Directory for the pid file, the log and clamd's temporary files. */
  workDirectory: string;
  /** Longest stream INSTREAM accepts, in clamd's syntax: `25M`, `1M`, `512K`. */
  streamMaxLength: string;
  /** Scanning threads; a test or an example needs few. */
  maxThreads: number;
}

/** clamd.conf text for `input`; throws on values clamd would reject less clearly at start. */
export function renderClamdConfig(input: ClamdConfigInput): string {
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65_535) {
    throw new RangeError(`clamd config: port must be a whole number from 1 to 65535, got ${input.port}`);
  }
  if (!/^\d+[KM]?$/.test(input.streamMaxLength)) {
    throw new RangeError(
      `clamd config: streamMaxLength must be a byte count with an optional K or M suffix (like "25M"), got ${JSON.stringify(input.streamMaxLength)}`,
    );
  }
  if (!Number.isInteger(input.maxThreads) || input.maxThreads < 1) {
    throw new RangeError(`clamd config: maxThreads must be a whole number of at least 1, got ${input.maxThreads}`);
  }
  for (const dir of [input.databaseDirectory, input.workDirectory]) {
    // clamd.conf has no quoting: a path with whitespace would be cut at the first space.
    if (/\s/.test(dir)) throw new Error(`clamd config: directory paths cannot contain whitespace, got ${JSON.stringify(dir)}`);
  }
  const work = input.workDirectory;
  return [
    '# Written by examples/avatar-scan/clamav/clamd-process.ts; removed when that clamd stops.',
    `TCPSocket ${input.port}`,
    'TCPAddr 127.0.0.1',
    // No LocalSocket: the scanner is reached like a remote service, over TCP only.
    'Foreground yes',
    `DatabaseDirectory ${input.databaseDirectory}`,
    `TemporaryDirectory ${work}/tmp`,
    `PidFile ${work}/clamd.pid`,
    `LogFile ${work}/clamd.log`,
    'LogTime yes',
    `StreamMaxLength ${input.streamMaxLength}`,
    `MaxThreads ${input.maxThreads}`,
    // No `User`: clamd then keeps the identity it was started with. Debian's own clamd.conf says
    // `User clamav`, which as root would drop to a user that cannot read our 0700 temp directory.
    '',
  ].join('\n');
}
