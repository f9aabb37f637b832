/** The results table: one row per measurement, Conveyor beside the raw SQLite floor. */

export interface Row {
  label: string;
  unit: 'jobs/s' | 'ms';
  conveyor: number;
  raw: number;
}

function format(value: number, unit: Row['unit']): string {
  if (!Number.isFinite(value)) return 'n/a';
  // Latencies come from stored timestamps, which have 1 ms resolution.
  return unit === 'jobs/s' ? Math.round(value).toLocaleString('en-US') : String(Math.round(value));
}

function ratio(row: Row): string {
  return row.raw > 0 && Number.isFinite(row.conveyor) ? `${(row.conveyor / row.raw).toFixed(2)}×` : 'n/a';
}

export function renderTable(rows: Row[]): string {
  const header = ['', 'Conveyor', 'raw floor', 'Conveyor/raw'];
  const cells = rows.map((row) => [`${row.label} (${row.unit})`, format(row.conveyor, row.unit), format(row.raw, row.unit), ratio(row)]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: string[]): string => values.map((value, column) => (column === 0 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(line)].join('\n');
}
