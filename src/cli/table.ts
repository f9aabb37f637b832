/** Plain-text tables and small formatters shared by the listing commands (`jobs`, `workers`, `schedules`, `failures`). */

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A time to the second, in UTC: `2026-01-01 09:00:00`. */
export function formatTime(time: Date | null): string {
  return time === null ? '-' : time.toISOString().slice(0, 19).replace('T', ' ');
}

/** Text on one line, cut to `max` characters with `…`. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
