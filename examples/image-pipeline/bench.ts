/**
 * Images per minute through Conveyor, side by side with the same work done by a plain loop in one
 * process, in one run, on the same generated images:
 *
 * - plain loop: one image after another, in this process (the floor: no queue, no store, no retries);
 * - plain loop ×2: two images at a time, in this process (the same parallelism as the worker);
 * - Conveyor: a `conveyor worker` process at concurrency 2 on a SQLite store, the batch enqueued as one
 *   flow (N × images.process → images.summarise); timed from the enqueue to the summary's success.
 *
 * Each does the same work (process-image.ts): read, decode, resize to two sizes, encode WebP, write.
 *
 *   npm run example:image-pipeline -- --bench [--images 1000] [--keep]
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

assertBuilt();
const root = mkdtempSync(join(tmpdir(), 'image-pipeline-bench-'));
const paths = dataPaths(root);
const store = `sqlite:${join(root, 'conveyor.db')}`;
const group = new ProcessGroup();
process.on('exit', () => group.killAllNow());
let conveyor: Conveyor | null = null;

try {
  say(`image pipeline bench: ${count} generated ${SOURCE_WIDTH}×${SOURCE_HEIGHT} JPEGs, each decoded, resized to ${OUTPUT_SIZES.map((size) => `${size.width}×${size.height}`).join(' and ')} and encoded as WebP; in ${root}`);
  let startedAt = performance.now();
  const images = await generateImages(join(paths.inputs, 'bench'), count, { prefix: 'bench' });
  const averageKb = images.reduce((sum, image) => sum + image.bytes, 0) / images.length / 1024;
  say(`generated in ${((performance.now() - startedAt) / 1000).toFixed(1)} s (average ${averageKb.toFixed(0)} KB per image; not timed below)`);

  const loopMs = await plainLoop(images, join(root, 'out-loop'), 1);
  const loop2Ms = await plainLoop(images, join(root, 'out-loop2'), 2);

  conveyor = await Conveyor.open({ store, tasks, logger: pino({ level: 'warn' }) });
  const worker = await startWorker(group, { CONVEYOR_STORE: store, [DATA_DIR_SETTING]: root }, { concurrency: 2, echoStderr: true });
  startedAt = performance.now();
  const flow = await enqueueBatch(conveyor, 'bench', images);
  const enqueueMs = performance.now() - startedAt;
  const done = await conveyor.waitFor(flow.id, { timeoutMs: 30 * 60_000 });
  const conveyorMs = performance.now() - startedAt;
  await worker.stop();
  const summary = done.result as BatchSummary | null;
  if (done.state !== 'succeeded' || summary?.succeeded !== count) throw new Error(`the flow ended ${done.state} with ${JSON.stringify(summary)}`);

  const rows = [
    ['plain loop, 1 at a time, in one process (the floor)', loopMs],
    ['plain loop, 2 at a time, in one process', loop2Ms],
    ['Conveyor: 1 worker process, concurrency 2, SQLite', conveyorMs],
  ] as const;
  say('');
  say(`${'how'.padEnd(54)}${'seconds'.padStart(9)}${'images/minute'.padStart(15)}`);
  for (const [how, ms] of rows) say(`${how.padEnd(54)}${(ms / 1000).toFixed(1).padStart(9)}${String(perMinute(count, ms)).padStart(15)}`);
  say('');
  say(`Conveyor / plain loop (1 at a time): ${(loopMs / conveyorMs).toFixed(2)}× the images per minute`);
  say(`Conveyor / plain loop (2 at a time): ${(loop2Ms / conveyorMs).toFixed(2)}× the images per minute`);
  say(`Conveyor's time includes enqueuing the ${count + 1}-job flow (${enqueueMs.toFixed(0)} ms) and the summary job; ${summary.outputs} files, ${(summary.bytesIn / 1_048_576).toFixed(1)} MB in → ${(summary.bytesOut / 1_048_576).toFixed(1)} MB out`);
} finally {
  await group.stopAll(2_000);
  await conveyor?.close();
  if (keep) say(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
