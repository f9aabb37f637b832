/**
 * Issue 5's goals, read off this run's tables: each line says met, missed or not measured, with the
 * figures. They describe one run on one machine; differences under ~1.5× on 2 shared cores are noise.
 */
import type { ResultTable } from './results.js';
import type { Workload as WorkloadName } from './settings.js';

type Tables = Partial<Record<WorkloadName, ResultTable>>;

const PG = 'Conveyor-PostgreSQL';

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

export function goalLines(tables: Tables): string[] {
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
