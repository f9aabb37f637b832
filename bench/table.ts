/** The results table: one row per measurement, Conveyor beside the raw floor of its store. */

export interface Row {
  label: string;
  unit: 'jobs/s' | 'ms';
  conveyor: number;
  raw: number;
  /**
   * Decimals printed for a latency. SQLite latencies come from stored timestamps with 1 ms
   * resolution, so they print whole; PostgreSQL ones are timed in process, to the microsecond.
   * @default 0
   */
  decimals?: number;
}

function format(value: number, unit: Row['unit'], decimals: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return unit === 'jobs/s' ? Math.round(value).toLocaleString('en-US') : value.toFixed(decimals);
}

function ratio(row: Row): string {
  return row.raw > 0 && Number.isFinite(row.conveyor) ? `${(row.conveyor / row.raw).toFixed(2)}×` : 'n/a';
}

export function renderTable(rows: Row[]): string {
  const header = ['', 'Conveyor', 'raw floor', 'Conveyor/raw'];
  const cells = rows.map((row) => [`${row.label} (${row.unit})`, format(row.conveyor, row.unit, row.decimals ?? 0), format(row.raw, row.unit, row.decimals ?? 0), ratio(row)]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: string[]): string => values.map((value, column) => (column === 0 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(line)].join('\n');
}
