/**
 * The incident-analysis example in one command: `npm run example:incident-analysis`.
 *
 * It creates the example's tables, starts three ingestion API processes and one Conveyor worker,
 * sends a burst of failure logs (200 concurrent requests for 5 traces, spread over the three
 * processes), waits for the analyses and prints what happened: how many requests created a job and
 * how many joined one, one analysis row per trace, and how often each step ran. Every process it
 * started is stopped when it ends, fails, or is interrupted (Ctrl-C).
 *
 * Environment: `CONVEYOR_STORE` (default a SQLite file under .conveyor/incident-analysis/),
 * `INCIDENT_DATABASE_URL`, `INCIDENT_SCHEMA`, `INCIDENT_SETTLE_MS` (see settings.ts),
 * `INCIDENT_PORTS` (default `0,0,0`: three free ports). With `--keep-running` the processes stay up
 * after the demo, for your own `curl`s, until Ctrl-C.
 */
import { Conveyor, type Job } from 'conveyor';
import type pg from 'pg';
import { pino } from 'pino';
import { burstLines, newTraceId, outcomesByTrace, postIncident, sendBurst } from './burst.js';
import { openIncidentsPool, withIncidentsClient } from './db.js';
import { type LineListener, startIngestProcesses, startWorker } from './pipeline.js';
import { ProcessGroup } from './processes.js';
import { analysisRows, stepRunCounts } from './results.js';
import { createTables } from './schema.js';
import { defaultStoreUrl, readDatabaseSettings, readSettleMs, redactPassword } from './settings.js';
import { ANALYSIS_STEPS, analyseIncident } from './tasks.js';

const TRACES = 5;
const REQUESTS = 200;
const KEEP_RUNNING = process.argv.includes('--keep-running');

const group = new ProcessGroup();
let conveyor: Conveyor | null = null;
let db: pg.Pool | null = null;

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Lines the child processes print: the worker's analyses on stdout, anyone's problems on stderr. */
const echo: LineListener = (name, line, stream) => {
  if (stream === 'stderr') process.stderr.write(`  [${name}] ${line}\n`);
  else if (line.startsWith('incident-analysis: ')) say(`  [${name}] ${line.slice('incident-analysis: '.length)}`);
};

function readPorts(): number[] {
  const text = process.env.INCIDENT_PORTS || '0,0,0';
  const ports = text.split(',').map((part) => Number(part.trim()));
  if (ports.length === 0 || ports.some((port) => !Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new Error(`INCIDENT_PORTS must be port numbers separated by commas (0: any free port), got ${JSON.stringify(text)}; e.g. 4101,4102,4103`);
  }
  return ports;
}

const short = (traceId: string): string => `${traceId.slice(0, 8)}…`;

async function main(): Promise<void> {
  const database = readDatabaseSettings();
  const settleMs = readSettleMs();
  const conveyorStore = defaultStoreUrl();
  const ports = readPorts();
  const startedAt = Date.now();

  say(`Incident analysis: ${ports.length} ingestion processes and a worker`);
  say(`  Conveyor store:     ${redactPassword(conveyorStore)}`);
  say(`  incidents database: ${redactPassword(database.url)} (schema ${database.schema})`);
  await withIncidentsClient(database.url, (client) => createTables(client, database.schema));
  db = openIncidentsPool(database, 2);
  say('  tables ready: incident_logs, analysis_results, step_runs');
  // Opening Conveyor here first applies the store's migrations once, before the children share it.
  conveyor = await Conveyor.open({ store: conveyorStore, tasks: [analyseIncident], logger: pino({ level: 'warn' }, pino.destination(2)) });

  const pipeline = { conveyorStore, databaseUrl: database.url, schema: database.schema, settleMs };
  const ingest = await startIngestProcesses(group, pipeline, ports, echo);
  for (const endpoint of ingest) say(`  ${endpoint.name} listening on ${endpoint.url} (pid ${endpoint.process.pid})`);
  const worker = await startWorker(group, pipeline, { onLine: echo });
  say(`  worker (pid ${worker.pid}): conveyor worker examples/incident-analysis/tasks.ts, concurrency 4`);
  say();

  const bad = await postIncident(ingest[0]!.url, { traceId: 'trace with spaces', service: 'checkout', message: 'boom' });
  say(`A bad request is refused, nothing stored: ${bad.status} ${JSON.stringify(bad.body)}`);
  say();

  const traceIds = Array.from({ length: TRACES }, newTraceId);
  const burstStart = Date.now();
  const sent = await sendBurst(
    ingest.map((endpoint) => endpoint.url),
    burstLines(traceIds, REQUESTS),
  );
  say(`Sent ${REQUESTS} concurrent requests for ${TRACES} traces in ${Date.now() - burstStart} ms:`);
  const byProcess = new Map<string, number>();
  for (const { servedBy } of sent) byProcess.set(servedBy ?? '?', (byProcess.get(servedBy ?? '?') ?? 0) + 1);
  say(`  answered by ${[...byProcess].map(([name, count]) => `${name} ${count}`).join(', ')}`);
  const outcomes = outcomesByTrace(sent);
  for (const outcome of outcomes) {
    const ids = outcome.jobIds.map((id) => `#${id}`).join(', ');
    const failed = outcome.failed > 0 ? `, ${outcome.failed} failed` : '';
    say(`  trace ${short(outcome.traceId)}  ${outcome.requests} requests → ${outcome.created} job created, ${outcome.duplicates} duplicates joined it (job ${ids})${failed}`);
  }
  const created = outcomes.reduce((sum, outcome) => sum + outcome.created, 0);
  const duplicates = outcomes.reduce((sum, outcome) => sum + outcome.duplicates, 0);
  const failed = outcomes.reduce((sum, outcome) => sum + outcome.failed, 0);
  say(`  in all: ${created} analysis jobs created, ${duplicates} duplicate requests, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} request(s) failed: ${JSON.stringify(sent.find((one) => one.status !== 202)?.body)}`);
  say();

  say(`Waiting for the analyses (each waits ${settleMs} ms for the rest of its burst, then runs its 3 steps)…`);
  const jobIds = [...new Set(outcomes.flatMap((outcome) => outcome.jobIds))];
  const jobs: Job[] = await Promise.all(jobIds.map((id) => conveyor!.waitFor(id, { timeoutMs: 60_000 })));
  say(`  jobs: ${jobs.map((job) => `#${job.id} ${job.state}`).join(', ')}`);
  say();

  // In the order the traces were listed above.
  const rows = (await analysisRows(db, traceIds)).sort((a, b) => traceIds.indexOf(a.traceId) - traceIds.indexOf(b.traceId));
  say(`Analysis rows (${rows.length} for ${TRACES} traces):`);
  say(`  ${'trace'.padEnd(10)} ${'lines'.padStart(5)}  ${'severity'.padStart(8)}  ${'level'.padEnd(8)}  ${'job'.padEnd(5)}  worst services`);
  for (const row of rows) {
    const worst = row.services.slice(0, 3).map((service) => `${service.service} ${service.severity}`).join(', ');
    say(`  ${short(row.traceId).padEnd(10)} ${String(row.logCount).padStart(5)}  ${String(row.severity).padStart(8)}  ${row.level.padEnd(8)}  ${`#${row.jobId}`.padEnd(5)}  ${worst}`);
  }
  const runs = await stepRunCounts(db, traceIds);
  const totals = ANALYSIS_STEPS.map((step) => `${step} ${[...runs.values()].reduce((sum, counts) => sum + counts[step], 0)}`);
  say(`Step bodies run, over all ${TRACES} traces: ${totals.join(', ')}`);
  say();
  const ok = rows.length === TRACES && jobs.every((job) => job.state === 'succeeded') && created === TRACES;
  say(
    ok
      ? `Done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${REQUESTS} requests, ${TRACES} jobs, ${TRACES} analyses, each trace analysed once.`
      : `Finished in ${((Date.now() - startedAt) / 1000).toFixed(1)} s, but not as expected: ${created} jobs created, ${rows.length} analysis rows for ${TRACES} traces.`,
  );
  if (!ok) process.exitCode = 1;

  if (KEEP_RUNNING) {
    say();
    say(`Still running (--keep-running). Try: curl -s -XPOST ${ingest[0]!.url}/incidents -H 'content-type: application/json' \\`);
    say(`  -d '{"traceId":"my-trace-1","service":"checkout","message":"HTTP 503 from payments"}'`);
    say('Ctrl-C stops every process.');
    await new Promise<never>(() => {});
  }
}

let stopping = false;
async function shutDown(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    const count = group.running.length;
    if (count > 0) say(`Stopping the ${count} process(es) this run started…`);
    await group.close();
    await Promise.allSettled([conveyor?.close(), db?.end()]);
    if (count > 0) say('All stopped.');
  }
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130); // a second Ctrl-C: now (the exit hook still SIGKILLs the children)
    say(`\n${signal}`);
    void shutDown(130);
  });
}

try {
  await main();
  await shutDown(process.exitCode === undefined ? 0 : Number(process.exitCode));
} catch (error) {
  process.stderr.write(`\nincident-analysis failed: ${error instanceof Error ? error.message : String(error)}\n`);
  await shutDown(1);
}
