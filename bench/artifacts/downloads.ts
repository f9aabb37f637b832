/**
 * Part 2: do 100 concurrent downloads of small artifacts through the API slow job claims? A worker
 * in this process drains N no-op jobs, alone and while a client process keeps 100 downloads of
 * 64 KiB artifacts going against the API server in its own process, interleaved over rounds.
 */
import { z } from 'zod';
import { defineTask, type Conveyor, type EnqueueItem } from '../../src/index.js';
import { median, noop } from '../shared.js';
import { startReadyChild, type ReadyChild } from './bytes.js';
import { openConveyor } from './open-conveyor.js';

export const SMALL_ARTIFACT_NAME = 'small.bin';
const TOKEN = 'bench-artifacts-token-0123456789abcdef';

export interface DownloadSettings {
  drainJobs: number;
  rounds: number;
  concurrentDownloads: number;
  artifactBytes: number;
  /** How long each download client waits after each download; 0: a closed loop. */
  pauseMs: number;
}

export interface DownloadResult {
  /** Median jobs/s of the drains alone. */
  alone: number;
  /** Median jobs/s of the drains during downloads; null when skipped. */
  withDownloads: number | null;
  /** Downloads/s and MB/s the clients got during those drains. */
  downloadsPerSecond: number | null;
  downloadMegabytesPerSecond: number | null;
  failures: number;
  /** Why the downloads half did not run. */
  skipped: string | null;
}

const smallArtifact = defineTask({
  name: 'bench.artifact.small',
  input: z.object({ bytes: z.int() }),
  run: async (input, ctx) => {
    await ctx.artifacts.put(SMALL_ARTIFACT_NAME, Buffer.alloc(input.bytes, 0x61 + (Number(ctx.job.id) % 26)));
  },
});

async function settle(conveyor: Conveyor, tasks: Parameters<Conveyor['createWorker']>[0]['tasks'], count: number): Promise<number> {
  const worker = conveyor.createWorker({ tasks, concurrency: 10 });
  let settled = 0;
  const allSettled = new Promise<void>((resolve) => worker.on('job-settled', () => ++settled === count && resolve()));
  const start = performance.now();
  await worker.start();
  await allSettled;
  const seconds = (performance.now() - start) / 1000;
  await worker.stop();
  return count / seconds;
}

async function seedNoops(conveyor: Conveyor, count: number): Promise<void> {
  for (let from = 0; from < count; from += 1000) {
    const items: EnqueueItem[] = [];
    for (let n = from; n < Math.min(count, from + 1000); n++) items.push({ task: noop, input: { n } });
    await conveyor.enqueueMany(items);
  }
}

/** One drain of `count` fresh no-op jobs: jobs/s from `worker.start()` until every outcome is recorded. */
async function drain(conveyor: Conveyor, count: number): Promise<number> {
  await seedNoops(conveyor, count);
  return settle(conveyor, [noop], count);
}

export async function measureDownloads(storeUrl: string, settings: DownloadSettings): Promise<DownloadResult> {
  const conveyor = await openConveyor(storeUrl, 'store', settings.artifactBytes);
  let server: ReadyChild | null = null;
  try {
    const jobIds: string[] = [];
    for (let n = 0; n < settings.concurrentDownloads; n++) jobIds.push((await conveyor.enqueue(smallArtifact, { bytes: settings.artifactBytes })).job.id);
    await settle(conveyor, [smallArtifact], jobIds.length);
    server = await startReadyChild('./server-process.ts', [storeUrl, TOKEN]);
    const url = server.readyText;
    const probe = await fetch(`${url}/jobs/${jobIds[0]}/artifacts/${SMALL_ARTIFACT_NAME}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const probeBody = await probe.arrayBuffer();
    const skipped = probe.status === 200 && probeBody.byteLength === settings.artifactBytes ? null : `route missing: GET /jobs/{id}/artifacts/{name} answered ${probe.status}${probe.status === 200 ? ` with ${probeBody.byteLength} bytes` : ''}`;

    const alone: number[] = [];
    const during: number[] = [];
    let downloads = 0;
    let bytes = 0;
    let downloadSeconds = 0;
    let failures = 0;
    for (let round = 0; round < settings.rounds; round++) {
      alone.push(await drain(conveyor, settings.drainJobs));
      if (skipped !== null) continue;
      const clients = await startReadyChild('./download-clients-process.ts', [url, TOKEN, SMALL_ARTIFACT_NAME, String(settings.concurrentDownloads), jobIds.join(','), String(settings.pauseMs)]);
      try {
        during.push(await drain(conveyor, settings.drainJobs));
      } finally {
        const result = await clients.stop<{ downloads: number; bytes: number; failures: number; seconds: number }>();
        if (result !== null) {
          downloads += result.downloads;
          bytes += result.bytes;
          failures += result.failures;
          downloadSeconds += result.seconds;
        }
      }
    }
    return {
      alone: median(alone),
      withDownloads: skipped === null ? median(during) : null,
      downloadsPerSecond: skipped === null ? downloads / downloadSeconds : null,
      downloadMegabytesPerSecond: skipped === null ? bytes / 1e6 / downloadSeconds : null,
      failures,
      skipped,
    };
  } finally {
    await server?.stop();
    await conveyor.close();
  }
}
