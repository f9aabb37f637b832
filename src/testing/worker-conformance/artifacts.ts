/**
 * Artifacts through real workers: what a handler writes with `ctx.artifacts` is listed and readable
 * once recorded; a failed attempt's files stay under that attempt; a worker process killed while
 * writing leaves nothing visible, the next attempt writes the file whole, and the bytes the killed
 * write left are swept.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sweepUnrecordedArtifacts } from '../../artifacts/artifact-pruning.js';
import { defineTask } from '../../task.js';
import { ARTIFACT_CHUNK, SLOW_ARTIFACT_CHUNKS, slowArtifactTask } from '../fixtures/tasks.js';
import { killHard, spawnFixture } from '../processes.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { useHarness } from './helpers.js';

const FAR_FUTURE = new Date('2100-01-01T00:00:00Z');

export function artifactTests(createHarness: WorkerHarnessFactory): void {
  describe('artifacts a handler writes', () => {
    const t = useHarness(createHarness);

    it("are listed once written and read back; a failed attempt's files stay under that attempt", async () => {
      const exportTask = defineTask({
        name: 'reports.export',
        input: z.object({ rows: z.number().int() }),
        retry: { maxAttempts: 2, backoff: { initialMs: 10, maxMs: 10 } },
        run: async ({ rows }, ctx) => {
          await ctx.artifacts.put('log.txt', `attempt ${ctx.job.attempt}\n`);
          if (ctx.job.attempt === 1) throw new Error('the warehouse timed out');
          const csv = ['id,total', ...Array.from({ length: rows }, (_, n) => `${n},${n * 10}`)].join('\n');
          const artifact = await ctx.artifacts.put('report.csv', csv, { contentType: 'text/csv' });
          return { rows, sha256: artifact.sha256 };
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [exportTask] });
      const { job } = await conveyor.enqueue(exportTask, { rows: 3 });
      const done = await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: 'succeeded', attempt: 2 });
      const listed = await conveyor.artifacts.list(job.id);
      expect(listed.map((a) => [a.attempt, a.name, a.contentType])).toEqual([
        [1, 'log.txt', 'text/plain; charset=utf-8'],
        [2, 'log.txt', 'text/plain; charset=utf-8'],
        [2, 'report.csv', 'text/csv'],
      ]);
      const csv = 'id,total\n0,0\n1,10\n2,20';
      expect((done.result as { sha256: string }).sha256).toBe(createHash('sha256').update(csv).digest('hex'));
      const opened = await conveyor.artifacts.get(job.id, 'report.csv');
      expect(opened?.artifact.size).toBe(csv.length);
      const chunks: Buffer[] = [];
      for await (const chunk of opened!.stream) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe(csv);
    });

    it('a worker process killed while writing leaves no artifact visible; the next attempt writes it whole and the cut-short bytes are swept', async () => {
      const conveyor = await t.open();
      const { job } = await conveyor.enqueue(slowArtifactTask, {});
      const doomed = spawnFixture('worker-process.ts', { STORE_URL: t.harness.storeUrl, TASKS: 'artifacts', LEASE_MS: '1000' });
      await doomed.waitForLine((line) => line === `writing ${job.id}`);
      await killHard(doomed);
      expect((await doomed.exited).signal).toBe('SIGKILL');
      expect((await conveyor.getJob(job.id))?.state).toBe('running');
      expect(await conveyor.artifacts.list(job.id), 'nothing half-written is visible').toEqual([]);

      // The lease (1 s) expires; this worker's maintenance recovers the job and runs attempt 2.
      await t.startWorker(conveyor, { tasks: [slowArtifactTask] });
      const done = await conveyor.waitFor(job.id, { timeoutMs: 20_000 });
      expect(done).toMatchObject({ state: 'succeeded', attempt: 2, result: { size: SLOW_ARTIFACT_CHUNKS * ARTIFACT_CHUNK.length } });
      const listed = await conveyor.artifacts.list(job.id);
      const whole = createHash('sha256');
      for (let n = 0; n < SLOW_ARTIFACT_CHUNKS; n++) whole.update(ARTIFACT_CHUNK);
      expect(listed).toEqual([expect.objectContaining({ attempt: 2, name: 'export.bin', size: SLOW_ARTIFACT_CHUNKS * ARTIFACT_CHUNK.length, sha256: whole.digest('hex') })]);

      // What attempt 1 wrote before it was killed is named by no record: the sweep deletes it, and only it.
      expect(await sweepUnrecordedArtifacts(conveyor.store, conveyor.artifactBackend, FAR_FUTURE, 100)).toBe(1);
      expect(await sweepUnrecordedArtifacts(conveyor.store, conveyor.artifactBackend, FAR_FUTURE, 100)).toBe(0);
      expect((await conveyor.artifacts.stat(job.id, 'export.bin'))?.size).toBe(SLOW_ARTIFACT_CHUNKS * ARTIFACT_CHUNK.length);
    }, 30_000);
  });
}
