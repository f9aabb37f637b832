/**
 * `npm run bench:otel`: what OpenTelemetry tracing costs a drain on SQLite. One process, alternating
 * rounds (order flipped each round) of the same drain:
 *   - baseline (with `--baseline <checkout>`): the Conveyor of another checkout without tracing code,
 *     e.g. the commit before it (`git worktree add` or `git archive` it, with node_modules linked);
 *   - no SDK: this checkout, no OpenTelemetry SDK registered (the API's no-op): the cost must be nil;
 *   - SDK: the real SDK registered as an app would (tracer provider, AsyncLocalStorage context,
 *     W3C propagator), every span handed to an exporter that counts and drops it.
 * Each drain: N no-op jobs enqueued with `enqueueMany` (1,000 a call, each call one producer span),
 * then one in-process worker (concurrency 10) runs them until none is queued or running. Prints the
 * median jobs/s of each, and each against no SDK. `--help` lists the options.
 */
import { Command, InvalidArgumentError } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, type ReadableSpan, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';
import type { Job } from '../src/job.js';
import { jobSucceeded } from '../src/store/state-updates.js';
import { startAttemptSpan } from '../src/tracing/consumer.js';
import { median, silentLogger, sleep } from './shared.js';

type ConveyorModule = typeof import('../src/index.js');

const CHUNK = 1000;
const CONCURRENCY = 10;

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('Give a whole number ≥ 1.');
  return parsed;
}

const options = new Command()
  .name('npm run bench:otel --')
  .description('What OpenTelemetry tracing costs a SQLite drain: no SDK against the real SDK (and against a checkout without tracing, with --baseline).')
  .option('--jobs <count>', 'jobs per drain', positiveInteger, 20_000)
  .option('--rounds <count>', 'alternating rounds', positiveInteger, 5)
  .option('--baseline <checkout>', 'a Conveyor checkout without tracing code, drained the same way (its src/index.ts is loaded)')
  .option('--quick', 'a smoke run: 1,000 jobs, 1 round')
  .showHelpAfterError()
  .parse()
  .opts<{ jobs: number; rounds: number; baseline?: string; quick?: boolean }>();
const jobs = options.quick === true ? 1000 : options.jobs;
const rounds = options.quick === true ? 1 : options.rounds;

/** Counts the spans it is given and keeps none: the SDK's whole path runs, and memory stays flat. */
class CountingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

interface Variant {
  name: string;
  conveyor: ConveyorModule;
  /** Set up before the drain; returns how to take it down (and how many spans were exported). */
  setUp(): () => Promise<number | null>;
}

const noSdk = (): (() => Promise<null>) => async () => null;

function withSdk(): () => Promise<number> {
  const exporter = new CountingExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
    return exporter.spans;
  };
}

/** This run's database files, in a directory made at the first drain and removed at the end. */
let directory: string | null = null;
let files = 0;
function freshDatabasePath(): string {
  directory ??= mkdtempSync(join(tmpdir(), 'conveyor-bench-otel-'));
  return join(directory, `drain-${++files}.db`);
}

/** jobs/s of one drain of `jobs` no-op jobs on a fresh SQLite file. */
async function drain(module: ConveyorModule): Promise<number> {
  // A new file that `Conveyor.open` migrates itself: the baseline's schema is a version behind.
  const path = freshDatabasePath();
  const task = module.defineTask({ name: 'bench.noop', input: z.object({ n: z.int() }), run: () => {} });
  const conveyor = await module.Conveyor.open({ store: `sqlite:${path}`, logger: silentLogger });
  try {
    for (let from = 0; from < jobs; from += CHUNK) {
      const items = Array.from({ length: Math.min(CHUNK, jobs - from) }, (_, i) => ({ task, input: { n: from + i } }));
      await conveyor.enqueueMany(items);
    }
    const worker = conveyor.createWorker({ tasks: [task], concurrency: CONCURRENCY });
    let settled = 0;
    const allSettled = new Promise<void>((done) => worker.on('job-settled', () => ++settled === jobs && done()));
    const start = performance.now();
    await worker.start();
    await allSettled;
    while ((await conveyor.listJobs({ states: ['queued', 'running'] }, { limit: 1 })).jobs.length > 0) await sleep(1);
    const seconds = (performance.now() - start) / 1000;
    await worker.stop();
    return jobs / seconds;
  } finally {
    await conveyor.close();
  }
}

/**
 * ns per call of what an attempt adds for tracing (`startAttemptSpan`, then `end` when it got a
 * span), over `calls` calls: a figure the machine's load barely moves, unlike a drain's.
 */
function attemptTracingNs(calls: number): number {
  const job = { id: '1', queue: 'default', task: 'bench.noop', attempt: 1, traceContext: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } as Job;
  const outcome = { kind: 'returned', value: null } as const;
  const update = jobSucceeded({ id: '1', attempt: 1, workerId: 'w' }, new Date(), null);
  const start = performance.now();
  for (let i = 0; i < calls; i++) startAttemptSpan(job)?.end(outcome, update);
  return ((performance.now() - start) * 1e6) / calls;
}

const here = (await import('../src/index.js')) as ConveyorModule;
const variants: Variant[] = [
  { name: 'no SDK', conveyor: here, setUp: noSdk },
  { name: 'SDK, every span exported', conveyor: here, setUp: withSdk },
];
if (options.baseline !== undefined) {
  const baseline = (await import(pathToFileURL(resolve(options.baseline, 'src/index.ts')).href)) as ConveyorModule;
  variants.unshift({ name: `baseline (${options.baseline})`, conveyor: baseline, setUp: noSdk });
}

const samples = new Map(variants.map((variant) => [variant.name, [] as number[]]));
let spansPerDrain: number | null = null;
try {
  for (let round = 1; round <= rounds; round++) {
    for (const variant of round % 2 === 1 ? variants : [...variants].reverse()) {
      const tearDown = variant.setUp();
      try {
        samples.get(variant.name)!.push(await drain(variant.conveyor));
      } finally {
        spansPerDrain = (await tearDown()) ?? spansPerDrain;
      }
    }
    process.stderr.write(`round ${round}/${rounds} done\n`);
  }
} finally {
  if (directory !== null) rmSync(directory, { recursive: true, force: true });
}

const MICRO_CALLS = 200_000;
attemptTracingNs(MICRO_CALLS); // warm-up
const noSdkNs = median([1, 2, 3].map(() => attemptTracingNs(MICRO_CALLS)));
const tearDownMicro = withSdk();
const sdkNs = median([1, 2, 3].map(() => attemptTracingNs(MICRO_CALLS / 10)));
await tearDownMicro();

const reference = median(samples.get('no SDK')!);
/**
 * The median over rounds of a variant's rate against no SDK's in the same round: the two ran back to
 * back, so load that comes and goes (other processes) weighs on both of a pair more than on medians.
 */
const pairedRatio = (values: number[]): number => median(values.map((value, round) => value / samples.get('no SDK')![round]!));
const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
const [load1 = Number.NaN] = loadavg();
console.log(
  `Conveyor OpenTelemetry cost: Node ${process.version}, ${cpus().length} CPUs (load ${load1.toFixed(1)} at the end); SQLite, ${jobs.toLocaleString('en-US')} no-op jobs per drain, ` +
    `one worker, concurrency ${CONCURRENCY}; medians of ${rounds} alternating rounds. The SDK exported ${spansPerDrain ?? 'n/a'} spans per drain.\n`,
);
console.log(line(['variant', 'drain jobs/s (median)', 'best round', 'each round', 'vs no SDK (medians)', 'vs no SDK (median of each round’s ratio)']));
console.log(line(['---', '---', '---', '---', '---', '---']));
for (const [name, values] of samples) {
  const jobsPerSecond = median(values);
  console.log(line([name, Math.round(jobsPerSecond).toLocaleString('en-US'), Math.round(Math.max(...values)).toLocaleString('en-US'), values.map((v) => Math.round(v).toLocaleString('en-US')).join(' / '), `${(jobsPerSecond / reference).toFixed(3)}×`, `${pairedRatio(values).toFixed(3)}×`]));
}
const perJobUs = 1e6 / reference;
console.log(
  `\nTracing's own work per attempt (startAttemptSpan + end, a job carrying a traceparent): no SDK ${noSdkNs.toFixed(0)} ns ` +
    `(${((noSdkNs / 1000 / perJobUs) * 100).toFixed(3)}% of the ${perJobUs.toFixed(0)} µs a drained job took); SDK ${(sdkNs / 1000).toFixed(1)} µs.`,
);
