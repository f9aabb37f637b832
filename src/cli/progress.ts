/**
 * A counter line on stderr (`retried 120/500`), redrawn in place, for commands that work through
 * many jobs. Only when stderr is a terminal: piped or captured output gets the final count alone.
 */
export interface Progress {
  /** Record that `done` of `total` are through. */
  update(done: number): void;
  /** Clear the counter line, so what the command prints next starts on a clean line. */
  end(): void;
}

/** Redraw at most every 100 ms: a redraw per job would cost more than a fast store call. */
const REDRAW_MS = 100;

export function startProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY !== true || total <= 1) return { update: () => {}, end: () => {} };
  let drawnAt = 0;
  const draw = (done: number): void => {
    stream.write(`\r${label} ${done}/${total}`);
    drawnAt = Date.now();
  };
  draw(0);
  return {
    update: (done) => {
      if (done === total || Date.now() - drawnAt >= REDRAW_MS) draw(done);
    },
    end: () => stream.write('\r\x1b[K'),
  };
}
