/**
 * `npm run bench:steps`: what durable steps cost, on SQLite and PostgreSQL in one run.
 *   1. Drain jobs running 0, 1 and 10 no-op steps: the 10-step/1-step cost ratio (target ≤ 3×).
 *   2. 10,000 jobs waiting for events: a worker process's RSS beside none waiting (target flat),
 *      and the drain rate of plain jobs beside them (target ≤ 1.1× slower).
 *   3. `sendEvent` to 1 of the waiting jobs: send → handler resumed in a worker in another process
 *      (target p50 ≤ 50 ms on PostgreSQL; SQLite wakes on the file's change notices, polling as the fallback).
 * Medians of interleaved rounds (A B A B …, order flipped each round). `--quick` for a smoke run;
 * `--help` lists the options.
 */
import { Command, InvalidArgumentError } from 'commander';
import { cpus, loadavg } from 'node:os';
import { median, percentile, POLL_INTERVAL_MS } from './shared.js';
import { drainPlain, drainWithSteps, parkWaitingJobs, wakeOneByOne, workerMemory, type WakeSample } from './steps/measures.js';
import { postgresTarget, sqliteTarget, type StoreTarget } from './steps/targets.js';

interface StepsBenchSettings {
  rounds: number;
  /** Jobs per step-count drain. */
  stepJobs: number;
  /** Jobs left waiting for an event. */
  waiting: number;
  /** Plain jobs drained beside the waiting ones (and beside none). */
  plainJobs: number;
  /** Events sent, one job woken by each. */
  sends: number;
  /** How long a worker process idles before its memory is read. */
  idleMs: number;
}

const FULL: StepsBenchSettings = { rounds: 3, stepJobs: 2000, waiting: 10_000, plainJobs: 10_000, sends: 50, idleMs: 3000 };
const QUICK: StepsBenchSettings = { rounds: 1, stepJobs: 100, waiting: 500, plainJobs: 300, sends: 10, idleMs: 1000 };
const STEP_COUNTS = [0, 1, 10] as const;

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('Give a whole number ≥ 1.');
  return parsed;
}

const options = new Command()
  .name('npm run bench:steps --')
  .description('What durable steps cost: step overhead, many waiting jobs, and sendEvent wake-up, on SQLite and PostgreSQL.')
  .option('--store <url>', 'the PostgreSQL server (each measurement in a fresh schema bench_<pid>_<n>, dropped afterwards)', 'postgres://postgres@127.0.0.1:5432/test')
  .option('--sqlite-only', 'skip PostgreSQL')
  .option('--quick', `a smoke run: ${QUICK.rounds} round, ${QUICK.stepJobs} jobs per drain, ${QUICK.waiting} waiting jobs, ${QUICK.sends} sends`)
  .option('--rounds <count>', `interleaved rounds (default ${FULL.rounds})`, positiveInteger)
  .option('--waiting <count>', `jobs left waiting for an event (default ${FULL.waiting})`, positiveInteger)
  .showHelpAfterError()
  .parse()
  .opts<{ store: string; sqliteOnly?: boolean; quick?: boolean; rounds?: number; waiting?: number }>();

const base = options.quick === true ? QUICK : FULL;
const settings: StepsBenchSettings = { ...base, rounds: options.rounds ?? base.rounds, waiting: options.waiting ?? base.waiting };
if (settings.sends * settings.rounds > settings.waiting) throw new InvalidArgumentError(`--waiting must be at least ${settings.sends * settings.rounds}`);

/** Each round runs `runs` in order, the next round in reverse (A B C, C B A, …). */
function interleaved<T>(round: number, runs: T[]): T[] {
  return round % 2 === 1 ? runs : [...runs].reverse();
}

const count = (n: number): string => n.toLocaleString('en-US');
const fixed = (n: number, decimals: number): string => (Number.isFinite(n) ? n.toFixed(decimals) : 'n/a');
const progress = (text: string): boolean => process.stderr.write(`${text}\n`);

function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** 1: jobs/s by step count, medians over the rounds. */
async function stepOverhead(target: StoreTarget): Promise<Map<number, number>> {
  const samples = new Map<number, number[]>(STEP_COUNTS.map((steps) => [steps, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    for (const steps of interleaved(round, [...STEP_COUNTS])) {
      samples.get(steps)!.push(await target.withFreshStore((url) => drainWithSteps(url, settings.stepJobs, steps)));
    }
    progress(`${target.name}: step drains, round ${round}/${settings.rounds} done`);
  }
  return new Map([...samples].map(([steps, values]) => [steps, median(values)]));
}

interface WaitingFigures {
  parkSeconds: number;
  drainEmpty: number;
  drainWaiting: number;
  memoryEmpty: { rssMb: number; heapMb: number };
  memoryWaiting: { rssMb: number; heapMb: number };
  wakes: WakeSample[];
}

/** 2 and 3: one store with `waiting` jobs waiting, one with none, measured side by side. */
async function manyWaiting(target: StoreTarget): Promise<WaitingFigures> {
  return target.withFreshStore((emptyUrl) =>
    target.withFreshStore(async (waitingUrl) => {
      const parkSeconds = await parkWaitingJobs(waitingUrl, settings.waiting);
      progress(`${target.name}: ${count(settings.waiting)} jobs waiting after ${parkSeconds.toFixed(1)} s`);
      const drains = { empty: [] as number[], waiting: [] as number[] };
      const memory = { empty: [] as Array<{ rssMb: number; heapMb: number }>, waiting: [] as Array<{ rssMb: number; heapMb: number }> };
      const wakes: WakeSample[] = [];
      for (let round = 1; round <= settings.rounds; round++) {
        for (const side of interleaved(round, ['waiting', 'empty'] as const)) {
          const url = side === 'waiting' ? waitingUrl : emptyUrl;
          drains[side].push(await drainPlain(url, settings.plainJobs));
          memory[side].push(await workerMemory(url, settings.idleMs));
        }
        const keys = Array.from({ length: settings.sends }, (_, i) => (round - 1) * settings.sends + i);
        wakes.push(...(await wakeOneByOne(waitingUrl, keys)));
        progress(`${target.name}: waiting-jobs round ${round}/${settings.rounds} done`);
      }
      const medianMemory = (values: Array<{ rssMb: number; heapMb: number }>) => ({ rssMb: median(values.map((v) => v.rssMb)), heapMb: median(values.map((v) => v.heapMb)) });
      return {
        parkSeconds,
        drainEmpty: median(drains.empty),
        drainWaiting: median(drains.waiting),
        memoryEmpty: medianMemory(memory.empty),
        memoryWaiting: medianMemory(memory.waiting),
        wakes,
      };
    }),
  );
}

interface TargetFigures {
  name: StoreTarget['name'];
  steps: Map<number, number>;
  waiting: WaitingFigures;
}

function report(results: TargetFigures[]): string {
  const { rounds, stepJobs, waiting, plainJobs, sends, idleMs } = settings;
  const w = count(waiting);
  const stepRows = results.map(({ name, steps }) => {
    const [zero, one, ten] = STEP_COUNTS.map((n) => steps.get(n)!);
    const perStepUs = ((1 / ten! - 1 / one!) / 9) * 1e6;
    return [name, count(Math.round(zero!)), count(Math.round(one!)), count(Math.round(ten!)), `${fixed(one! / ten!, 2)}×`, fixed(perStepUs, 0)];
  });
  const waitingRows = results.map(({ name, waiting: f }) => [
    name,
    count(Math.round(f.drainEmpty)),
    count(Math.round(f.drainWaiting)),
    `${fixed(f.drainEmpty / f.drainWaiting, 2)}×`,
    `${fixed(f.memoryEmpty.rssMb, 1)} / ${fixed(f.memoryEmpty.heapMb, 1)}`,
    `${fixed(f.memoryWaiting.rssMb, 1)} / ${fixed(f.memoryWaiting.heapMb, 1)}`,
    fixed(f.parkSeconds, 1),
  ]);
  const wakeRows = results.map(({ name, waiting: { wakes } }) => {
    const resume = wakes.map((s) => s.resumeMs);
    const send = wakes.map((s) => s.sendMs);
    const how = name === 'PostgreSQL' ? 'LISTEN/NOTIFY' : `file change notices (polling every ${POLL_INTERVAL_MS} ms as fallback)`;
    return [name, how, fixed(percentile(send, 0.5), 1), fixed(percentile(send, 0.99), 1), fixed(percentile(resume, 0.5), 1), fixed(percentile(resume, 0.99), 1), String(wakes.length)];
  });
  const [load1 = Number.NaN] = loadavg();
  return [
    `Conveyor steps bench: Node ${process.version}, ${cpus().length} CPUs (load ${load1.toFixed(1)} at the end); medians of ${rounds} interleaved rounds; one worker, concurrency 10.`,
    '',
    `1. Drain ${count(stepJobs)} jobs whose handler runs 0, 1 or 10 no-op steps (\`await ctx.step(\`s\${i}\`, () => i)\`), jobs/s. Target: 10-step/1-step cost ≤ 3×.`,
    '',
    markdownTable(['store', '0 steps', '1 step', '10 steps', '10-step/1-step cost', 'drain µs per extra step'], stepRows),
    '',
    `2. ${w} jobs waiting for an event (timeout 1 h) in the store vs none. Drain of ${count(plainJobs)} plain no-op jobs in process (target ≤ 1.1× slower); ` +
      `memory of an idle worker process after ${idleMs} ms, after a full GC (target flat).`,
    '',
    markdownTable(['store', `drain jobs/s, 0 waiting`, `drain jobs/s, ${w} waiting`, 'slowdown', 'worker RSS / heap MB, 0 waiting', `worker RSS / heap MB, ${w} waiting`, `parking ${w} waits took, s`], waitingRows),
    '',
    `3. \`sendEvent\` to 1 of ~${w} waiting jobs (each waits with its own \`match\`), ${sends} sends per round, 20–${20 + POLL_INTERVAL_MS} ms apart (random); the worker is another process. ` +
      'send→resume: wall clock before `sendEvent` in this process to the handler returning from its wait in the worker process. Target p50 ≤ 50 ms on PostgreSQL.',
    '',
    markdownTable(['store', 'worker hears of it by', 'sendEvent call p50 ms', 'p99 ms', 'send→resume p50 ms', 'p99 ms', 'sends'], wakeRows),
  ].join('\n');
}

const targets: StoreTarget[] = [sqliteTarget()];
if (options.sqliteOnly !== true) targets.push(await postgresTarget(options.store));
const interrupted = (signal: NodeJS.Signals): void => {
  process.stderr.write(`\n${signal}: removing this run's databases and schemas\n`);
  void Promise.allSettled(targets.map((target) => target.close())).finally(() => process.exit(130));
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
const started = performance.now();
try {
  const results: TargetFigures[] = [];
  // Store by store: the two stores share the 2 cores, so neither runs while the other is measured.
  for (const target of targets) {
    const steps = await stepOverhead(target);
    const waiting = await manyWaiting(target);
    results.push({ name: target.name, steps, waiting });
  }
  process.stdout.write(`\n${report(results)}\n`);
  progress(`\nbench:steps took ${((performance.now() - started) / 1000).toFixed(0)} s`);
} finally {
  process.off('SIGINT', interrupted);
  process.off('SIGTERM', interrupted);
  for (const target of targets) await target.close();
}
