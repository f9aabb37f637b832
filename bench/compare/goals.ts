/**
 * The goals of the issues that set them (issue 18's throughput and latency, issue 5's earlier ones),
 * read off this run's tables: each line says met, missed or not measured, with the figures. They
 * describe one run on one machine; differences under ~1.5× on 2 shared cores are noise.
 */
import type { ResultTable } from './results.js';
import type { Workload as WorkloadName } from './settings.js';

type Tables = Partial<Record<WorkloadName, ResultTable>>;

const PG = 'Conveyor-PostgreSQL';
const SQLITE = 'Conveyor-SQLite';
const GRAPHILE = 'graphile-worker';

/** One issue's goals, as the report lists them under a heading. */
export interface GoalSection {
  title: string;
  lines: string[];
}

function verdict(ok: boolean | null): string {
  return ok === null ? 'not measured' : ok ? 'met' : 'missed';
}

const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** `value ≥ bound` (or ≤ with `atMost`); null when either side is missing. */
function compare(value: number, bound: number, atMost = false): boolean | null {
  if (!Number.isFinite(value) || !Number.isFinite(bound)) return null;
  return atMost ? value <= bound : value >= bound;
}

function drainGoals(table: ResultTable): string[] {
  return table.columnKeys().flatMap((column) => {
    const conveyor = table.value(PG, column);
    const postgresRival = Math.max(table.value('graphile-worker', column), table.value('pg-boss', column));
    const bullmq = table.value('BullMQ', column);
    const sqliteShare = table.value('Conveyor-SQLite', column) / table.value('raw SQLite floor', column);
    return [
      `Drain ${column}: Conveyor-PostgreSQL ≥ 2× the faster of graphile-worker and pg-boss — ${fixed(conveyor / postgresRival)}×: ${verdict(compare(conveyor / postgresRival, 2))}`,
      `Drain ${column}: Conveyor-PostgreSQL ≥ 1× BullMQ — ${fixed(conveyor / bullmq)}×: ${verdict(compare(conveyor / bullmq, 1))}`,
      `Drain ${column}: Conveyor-SQLite ≥ 50 % of the raw SQLite floor — ${fixed(sqliteShare * 100, 0)} %: ${verdict(compare(sqliteShare, 0.5))}`,
    ];
  });
}

export function goalSections(tables: Tables): GoalSection[] {
  return [
    { title: 'Goals (issue 18)', lines: issue18Lines(tables) },
    { title: 'Earlier goals (issue 5)', lines: issue5Lines(tables) },
  ];
}

/** Issue 18: PostgreSQL ≥ 1.5× graphile-worker and growing with processes, SQLite near its floor, wake-ups in ms, flat memory, fast single enqueues. */
function issue18Lines(tables: Tables): string[] {
  const lines: string[] = [];
  const { drain, processes, latency, cancel, idle, memory, enqueue } = tables;
  if (drain !== undefined) {
    for (const column of drain.columnKeys()) {
      const ratio = drain.value(PG, column) / drain.value(GRAPHILE, column);
      const share = drain.value(SQLITE, column) / drain.value('raw SQLite floor', column);
      lines.push(`Drain ${column}, one process: Conveyor-PostgreSQL ≥ 1.5× graphile-worker — ${fixed(ratio)}×: ${verdict(compare(ratio, 1.5))}`);
      lines.push(`Drain ${column}: Conveyor-SQLite ≥ 70 % of the raw SQLite floor — ${fixed(share * 100, 0)} %: ${verdict(compare(share, 0.7))}`);
    }
  }
  if (processes !== undefined) {
    for (const column of processes.columnKeys()) {
      const ratio = processes.value(PG, column) / processes.value(GRAPHILE, column);
      lines.push(`Drain ${column.slice(1)} processes × c10: Conveyor-PostgreSQL ≥ 1.5× graphile-worker — ${fixed(ratio)}×: ${verdict(compare(ratio, 1.5))}`);
    }
    const most = processes.columnKeys().at(-1);
    if (drain !== undefined && most !== undefined && drain.columnKeys().includes('c10')) {
      const growth = processes.value(PG, most) / drain.value(PG, 'c10');
      lines.push(`Conveyor-PostgreSQL with ${most.slice(1)} processes ≥ with one (c10 each) — ${fixed(growth)}×: ${verdict(compare(growth, 1))}`);
    }
  }
  if (latency !== undefined) {
    const bounds: Array<[string, number, number]> = [
      [SQLITE, 5, 20],
      [PG, 2, 8],
    ];
    for (const [row, p50Bound, p99Bound] of bounds) {
      const p50 = latency.value(row, 'p50');
      const p99 = latency.value(row, 'p99');
      lines.push(
        `Enqueue→start, ${row} with the worker in another process: p50 ≤ ${p50Bound} ms — ${fixed(p50)} ms: ${verdict(compare(p50, p50Bound, true))}; ` +
          `p99 ≤ ${p99Bound} ms — ${fixed(p99)} ms: ${verdict(compare(p99, p99Bound, true))}`,
      );
    }
  }
  if (cancel !== undefined) {
    for (const { name } of cancel.rowNames()) {
      const worst = cancel.value(name, 'max');
      lines.push(`Cancel → abort, ${name} with the worker in another process: within 50 ms — p99 ${fixed(cancel.value(name, 'p99'))} ms, max ${fixed(worst)} ms: ${verdict(compare(worst, 50, true))}`);
    }
  }
  if (idle?.rowNames().some(({ name }) => name === SQLITE)) {
    const busiest = idle.value(SQLITE, 'max');
    lines.push(`Idle CPU, ${SQLITE}: no more than 1 % of a core per worker process — busiest ${fixed(busiest)} %: ${verdict(compare(busiest, 1, true))}`);
  }
  if (memory !== undefined) {
    for (const { name } of memory.rowNames()) {
      const growth = memory.value(name, 'growth');
      const heapGrowth = memory.value(name, 'heapGrowth');
      lines.push(
        `Worker RSS, ${name}: within 5 % after the larger drain — ${fixed(growth)}×: ${verdict(compare(growth, 1.05, true))} ` +
          `(live heap ${fixed(heapGrowth)}×: ${verdict(compare(heapGrowth, 1.05, true))})`,
      );
    }
  }
  if (enqueue !== undefined) {
    const ratio = enqueue.value(PG, 'concurrent') / enqueue.value('BullMQ', 'concurrent');
    lines.push(`Single enqueues from many callers: Conveyor-PostgreSQL ≥ 1× BullMQ — ${fixed(ratio)}×: ${verdict(compare(ratio, 1))}`);
  }
  return lines;
}

function issue5Lines(tables: Tables): string[] {
  const lines: string[] = [];
  if (tables.drain !== undefined) lines.push(...drainGoals(tables.drain));
  if (tables.enqueue !== undefined) {
    const ratio = tables.enqueue.value(PG, 'concurrent') / tables.enqueue.value('graphile-worker', 'concurrent');
    lines.push(`Concurrent single enqueues: Conveyor-PostgreSQL ≥ 5× graphile-worker — ${fixed(ratio)}×: ${verdict(compare(ratio, 5))}`);
  }
  if (tables.latency !== undefined) {
    const p50 = tables.latency.value(PG, 'p50');
    const p99 = tables.latency.value(PG, 'p99');
    lines.push(`Latency on PostgreSQL: p50 ≤ 2 ms — ${fixed(p50)} ms: ${verdict(compare(p50, 2, true))}; p99 ≤ 10 ms — ${fixed(p99)} ms: ${verdict(compare(p99, 10, true))}`);
  }
  if (tables.scale !== undefined) {
    for (const { name, reference } of tables.scale.rowNames()) {
      if (name === reference) continue;
      const ratio = tables.scale.value(name, 'median') / tables.scale.value(reference, 'median');
      lines.push(`Claim cost, ${name}: ≤ 1.2× the small queue — ${fixed(ratio)}×: ${verdict(compare(ratio, 1.2, true))}`);
    }
  }
  if (tables.memory !== undefined) {
    for (const { name } of tables.memory.rowNames()) {
      const growth = tables.memory.value(name, 'growth');
      lines.push(`Worker RSS, ${name}: within 10 % after the larger drain — ${fixed(growth)}×: ${verdict(compare(growth, 1.1, true))}`);
    }
  }
  return lines;
}
