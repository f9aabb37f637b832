/**
 * Images per minute through Conveyor, side by side with the same work done by a plain loop in one
 * process, in one run, on the same generated images:
 *
 * - plain loop: one image after another, in this process (the floor: no queue, no store, no retries);
 * - plain loop ×2: two images at a time, in this process (the same parallelism as the worker);
 * - Conveyor: a `conveyor worker` process at concurrency 2 on a SQLite store, the images enqueued as
 *   one flow (N × images.process → images.summarise); timed from the enqueue to the summary's success.
 *
 * Each does the same work (process-image.ts): read, decode, resize to two sizes, encode WebP, write.
 * The images are shared out over rounds (3 by default), each way taking its share in every round in
 * a rotated order, so load from elsewhere on the machine falls on all three alike.
 *
 *   npm run example:image-pipeline -- --bench [--images 1000] [--rounds 3] [--keep]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conveyor } from 'conveyor';
import { pino } from 'pino';
import { enqueueBatch } from './batches.js';
import { dataPaths, DATA_DIR_SETTING } from './config.js';
import { generateImages, SOURCE_HEIGHT, SOURCE_WIDTH, type GeneratedImage } from './generate-images.js';
import { OUTPUT_SIZES, processImage } from './process-image.js';
import { assertBuilt, ProcessGroup, startWorker } from './processes.js';
import { tasks, type BatchSummary } from './tasks.js';

const args = process.argv.slice(2);
const count = numberOption('--images', 1000);
const rounds = numberOption('--rounds', 3);
const keep = args.includes('--keep');

function numberOption(name: string, fallback: number): number {
  const index = args.indexOf(name);
  if (index === -1) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 9_999) throw new Error(`${name}: must be a whole number from 1 to 9999 (one flow holds at most 10,000 jobs), got ${JSON.stringify(args[index + 1])}`);
  return value;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const perMinute = (images: number, ms: number): number => Math.round((images / ms) * 60_000);

/** Process every image with `lanes` at a time in this process; resolves with the time it took. */
async function plainLoop(images: GeneratedImage[], outputDir: string, lanes: number): Promise<number> {
  const startedAt = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < images.length) await processImage(images[next++]!.path, outputDir);
    }),
  );
  return performance.now() - startedAt;
}


const enqueueMs: number[] = [];
let outputs = 0;
let bytesIn = 0;
let bytesOut = 0;

/** One round through Conveyor: the part as one flow, timed from the enqueue to the summary's success. */
async function conveyorRound(client: Conveyor, part: GeneratedImage[], round: number): Promise<number> {
  const startedAt = performance.now();
  const flow = await enqueueBatch(client, `bench-${round + 1}`, part);
  enqueueMs.push(performance.now() - startedAt);
  const done = await client.waitFor(flow.id, { timeoutMs: 30 * 60_000 });
  const ms = performance.now() - startedAt;
  const summary = done.result as BatchSummary | null;
  if (done.state !== 'succeeded' || summary === null || summary.succeeded !== part.length) throw new Error(`round ${round + 1}'s flow ended ${done.state} with ${JSON.stringify(summary)}`);
  outputs += summary.outputs;
  bytesIn += summary.bytesIn;
  bytesOut += summary.bytesOut;
  return ms;
}

assertBuilt();
const root = mkdtempSync(join(tmpdir(), 'image-pipeline-bench-'));
const paths = dataPaths(root);
const store = `sqlite:${join(root, 'conveyor.db')}`;
const group = new ProcessGroup();
process.on('exit', () => group.killAllNow());
let conveyor: Conveyor | null = null;

try {
  say(`image pipeline bench: ${count} generated ${SOURCE_WIDTH}×${SOURCE_HEIGHT} JPEGs, each decoded, resized to ${OUTPUT_SIZES.map((size) => `${size.width}×${size.height}`).join(' and ')} and encoded as WebP; in ${root}`);
  const startedAt = performance.now();
  const images = await generateImages(join(paths.inputs, 'bench'), count, { prefix: 'bench' });
  const averageKb = images.reduce((sum, image) => sum + image.bytes, 0) / images.length / 1024;
  say(`generated in ${((performance.now() - startedAt) / 1000).toFixed(1)} s (average ${averageKb.toFixed(0)} KB per image; not timed below)`);

  conveyor = await Conveyor.open({ store, tasks, logger: pino({ level: 'warn' }) });
  const worker = await startWorker(group, { CONVEYOR_STORE: store, [DATA_DIR_SETTING]: root }, { concurrency: 2, echoStderr: true });
  const client = conveyor;

  // The work is cut into rounds, each way taking its share of the images in every round, in a rotated
  // order: anything else the machine does meanwhile falls on each way alike.
  const ways = [
    { how: 'plain loop, 1 at a time, in one process (the floor)', short: 'loop×1', run: (part: GeneratedImage[]) => plainLoop(part, join(root, 'out-loop'), 1) },
    { how: 'plain loop, 2 at a time, in one process', short: 'loop×2', run: (part: GeneratedImage[]) => plainLoop(part, join(root, 'out-loop2'), 2) },
    { how: 'Conveyor: 1 worker process, concurrency 2, SQLite', short: 'Conveyor', run: (part: GeneratedImage[], round: number) => conveyorRound(client, part, round) },
  ];
  const totals = ways.map(() => ({ ms: 0, rounds: [] as number[] }));
  const size = Math.ceil(count / rounds);
  for (let round = 0; round < rounds; round++) {
    const part = images.slice(round * size, (round + 1) * size);
    if (part.length === 0) break;
    for (let turn = 0; turn < ways.length; turn++) {
      const index = (round + turn) % ways.length;
      const ms = await ways[index]!.run(part, round);
      totals[index]!.ms += ms;
      totals[index]!.rounds.push(perMinute(part.length, ms));
    }
    say(`round ${round + 1}/${rounds} (${part.length} images each): ${ways.map((way, index) => `${way.short} ${totals[index]!.rounds.at(-1)}/min`).join(' · ')}`);
  }
  await worker.stop();

  say('');
  say(`${'how'.padEnd(54)}${'seconds'.padStart(9)}${'images/minute'.padStart(15)}   per round (images/minute)`);
  for (const [index, way] of ways.entries()) {
    const { ms, rounds: perRound } = totals[index]!;
    say(`${way.how.padEnd(54)}${(ms / 1000).toFixed(1).padStart(9)}${String(perMinute(count, ms)).padStart(15)}   ${perRound.join(', ')}`);
  }
  const [loop, loop2, queued] = totals.map((total) => total.ms) as [number, number, number];
  say('');
  say(`Conveyor / plain loop (1 at a time): ${(loop / queued).toFixed(2)}× the images per minute`);
  say(`Conveyor / plain loop (2 at a time): ${(loop2 / queued).toFixed(2)}× the images per minute`);
  say(`Conveyor's time includes enqueuing each round's flow (${enqueueMs.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}) and its summary job; ${outputs} files, ${(bytesIn / 1_048_576).toFixed(1)} MB in → ${(bytesOut / 1_048_576).toFixed(1)} MB out`);
} finally {
  await group.stopAll(2_000);
  await conveyor?.close();
  if (keep) say(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
