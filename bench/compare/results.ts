/**
 * A results table: rows (systems, raw floors, fixtures) by columns (measurements), every cell the
 * median of its rounds, each measurement followed by its ratio to the row's reference (the Conveyor
 * of the same store family, or the baseline fixture). Rendered as Markdown, which reads in a terminal too.
 */
import { median } from '../shared.js';

export type Unit = 'jobs/s' | 'ms' | 'µs' | 'MB' | '%' | 'ratio';

export interface Column {
  key: string;
  title: string;
  unit: Unit;
  /** Print `value / reference` beside the value. @default true */
  ratio?: boolean;
}

interface Row {
  name: string;
  /** The row this one's ratios divide by; itself for a reference row. */
  reference: string;
  cells: Map<string, number[]>;
}

const DECIMALS: Record<Unit, number> = { 'jobs/s': 0, ms: 2, µs: 0, MB: 1, '%': 2, ratio: 2 };

function format(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return 'n/a';
  const decimals = DECIMALS[unit];
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** The median of the rounds that produced a number; NaN when none did. */
function medianOf(values: number[] | undefined): number {
  const finite = (values ?? []).filter(Number.isFinite);
  return finite.length === 0 ? Number.NaN : median(finite);
}

export class ResultTable {
  private readonly rows = new Map<string, Row>();

  constructor(
    readonly title: string,
    private readonly columns: Column[],
    /** Lines printed under the table: what was measured and how. */
    readonly notes: string[] = [],
  ) {}

  /** One round's value (NaN for a failed measurement); rows appear in the order first recorded. */
  record(rowName: string, reference: string, columnKey: string, value: number): void {
    let row = this.rows.get(rowName);
    if (row === undefined) {
      row = { name: rowName, reference, cells: new Map() };
      this.rows.set(rowName, row);
    }
    const values = row.cells.get(columnKey) ?? [];
    values.push(value);
    row.cells.set(columnKey, values);
  }

  get empty(): boolean {
    return this.rows.size === 0;
  }

  /** Each row's name and the row its ratios divide by. */
  rowNames(): Array<{ name: string; reference: string }> {
    return [...this.rows.values()].map(({ name, reference }) => ({ name, reference }));
  }

  columnKeys(): string[] {
    return this.columns.map((column) => column.key);
  }

  /** The median of one cell, for checks against the issue's goals. */
  value(rowName: string, columnKey: string): number {
    return medianOf(this.rows.get(rowName)?.cells.get(columnKey));
  }

  render(): string {
    const header = ['', ...this.columns.flatMap((column) => [`${column.title} (${column.unit})`, ...(column.ratio === false ? [] : ['×'])])];
    const lines = [...this.rows.values()].map((row) => [
      row.name,
      ...this.columns.flatMap((column) => {
        const value = medianOf(row.cells.get(column.key));
        if (column.ratio === false) return [format(value, column.unit)];
        const reference = this.value(row.reference, column.key);
        const ratio = Number.isFinite(value) && reference > 0 ? `${(value / reference).toFixed(2)}×` : 'n/a';
        return [format(value, column.unit), ratio];
      }),
    ]);
    const widths = header.map((title, index) => Math.max(title.length, ...lines.map((line) => line[index]!.length)));
    const line = (cells: string[]): string => `| ${cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join(' | ')} |`;
    const rule = `|${widths.map((width, index) => (index === 0 ? `${'-'.repeat(width + 2)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
    return [`### ${this.title}`, '', line(header), rule, ...lines.map(line), '', ...this.notes.map((note) => `${note}  `)].join('\n');
  }
}
