/**
 * Artifacts (`store.artifacts`, `store.artifactChunks`) through both backends: the bytes in the store
 * itself and in a directory. Every test runs once per backend on this store, through what handlers
 * and callers use (`AttemptArtifacts` for `ctx.artifacts`, `ConveyorArtifacts` for reading), so a
 * backend or a store that breaks a promise of artifacts fails here.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { expect } from 'vitest';
import { ARTIFACT_PRUNE_BATCH, pruneArtifactsOfPrunedJobs, sweepUnrecordedArtifacts } from '../../artifacts/artifact-pruning.js';
import { AttemptArtifacts } from '../../artifacts/attempt-artifacts.js';
import type { ArtifactBackend } from '../../artifacts/backend.js';
import { ConveyorArtifacts } from '../../artifacts/conveyor-artifacts.js';
import { directoryArtifactBackend } from '../../artifacts/directory-backend.js';
import { resolveArtifactSettings, type ArtifactSettings } from '../../artifacts/settings.js';
import { storeArtifactBackend } from '../../artifacts/store-backend.js';
import { ConveyorArtifactError } from '../../errors.js';
import type { Job } from '../../job.js';
import type { Store } from '../../store/store.js';
import { captureLogger } from '../capture-logger.js';
import type { SuiteSection, TestEnv } from './context.js';
import { allEvents } from './events.js';
import { at, claimJob, finishClaimed, insertJob, rejectionOf, WORKER_A, WORKER_B } from './helpers.js';

/** Small chunks, so a few KiB already span several and every range read crosses a boundary. */
const CHUNK_BYTES = 1000;
const FAR_FUTURE = new Date('2100-01-01T00:00:00Z');

interface BackendUnderTest {
  backend: ArtifactBackend;
  /** How many blobs (chunked blobs, or files) the backend holds that no record names. */
  leftovers(): Promise<number>;
  cleanUp(): void;
}

const BACKENDS: ReadonlyArray<{ name: string; create: (store: Store) => BackendUnderTest }> = [
  {
    name: 'store backend',
    create: (store) => ({
      backend: storeArtifactBackend(store.artifactChunks, { chunkBytes: CHUNK_BYTES }),
      // What a sweep from the far future deletes: each test calls it last, or before writing no more.
      leftovers: () => store.artifactChunks.deleteUnreferenced({ before: FAR_FUTURE, limit: 1000 }),
      cleanUp: () => undefined,
    }),
  },
  {
    name: 'directory backend',
    create: (store) => {
      const root = mkdtempSync(join(tmpdir(), 'conveyor-artifacts-test-'));
      const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]));
      const leftovers = async (): Promise<number> => {
        const keys = files(root).map((file) => relative(root, file).split(sep).join('/'));
        const named = new Set(await store.artifacts.referenced({ blobKeys: keys }));
        return keys.filter((key) => !named.has(key)).length;
      };
      return { backend: directoryArtifactBackend(root), leftovers, cleanUp: () => rmSync(root, { recursive: true, force: true }) };
    },
  },
];

interface Kit {
  store: Store;
  settings: ArtifactSettings;
  reader: ConveyorArtifacts;
  under: BackendUnderTest;
  /** `ctx.artifacts` of a running attempt (by default the attempt's own worker). */
  writer(job: Job, workerId?: string): AttemptArtifacts;
  /** A job inserted and claimed by WORKER_A. */
  runningJob(task?: string): Promise<Job>;
  bytesOf(jobId: string, name: string, options?: { attempt?: number; range?: { start: number; end: number } }): Promise<Buffer>;
}

function kit(env: TestEnv, under: BackendUnderTest, limits: { maxBytes?: number; maxJobBytes?: number } = {}): Kit {
  const { store } = env;
  const settings = resolveArtifactSettings({ backend: under.backend, signingKey: 'k'.repeat(32), ...limits }, store, 'test');
  const reader = new ConveyorArtifacts(store, settings);
  return {
    store,
    settings,
    reader,
    under,
    writer: (job, workerId = job.workerId ?? WORKER_A) => new AttemptArtifacts(store, settings, { jobId: job.id, attempt: job.attempt, workerId }, captureLogger()),
    runningJob: async (task = 'conformance.export') => claimJob(store, await insertJob(store, { task })),
    bytesOf: async (jobId, name, options) => {
      const opened = await reader.get(jobId, name, options);
      if (opened === null) throw new Error(`no artifact ${name} on job ${jobId}`);
      const chunks: Buffer[] = [];
      for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

export const artifactTests: SuiteSection = (suite) => {
  for (const { name, create } of BACKENDS) {
    suite.group(`artifacts (${name})`, { migrate: true }, (group) => {
      /** A test body with the backend made for it and removed after. */
      const test = (title: string, body: (kit: Kit, env: TestEnv) => Promise<void>, limits?: { maxBytes?: number; maxJobBytes?: number }) =>
        group.test(title, async (env) => {
          const under = create(env.store);
          try {
            await body(kit(env, under, limits), env);
          } finally {
            under.cleanUp();
          }
        });

      test('a put stores a Buffer, a string, a Node Readable and a web ReadableStream; each reads back whole, with its size, digest and content type', async (k, env) => {
        const job = await k.runningJob();
        const ctx = k.writer(job);
        const binary = randomBytes(2500);
        const parts = [randomBytes(700), randomBytes(1300), randomBytes(5)];
        const joined = Buffer.concat(parts);
        const fromBuffer = await ctx.put('data.bin', binary);
        await ctx.put('report.csv', 'a,b\n1,2\n', { contentType: 'text/csv' });
        await ctx.put('node.bin', Readable.from(parts));
        await ctx.put('web.txt', new Blob(parts).stream());
        expect(fromBuffer).toEqual({ jobId: job.id, attempt: job.attempt, name: 'data.bin', size: 2500, contentType: 'application/octet-stream', sha256: sha256(binary), createdAt: expect.any(Date) });
        expect((await k.reader.list(job.id)).map((a) => [a.name, a.size, a.contentType, a.sha256])).toEqual([
          ['data.bin', 2500, 'application/octet-stream', sha256(binary)],
          ['node.bin', joined.length, 'application/octet-stream', sha256(joined)],
          ['report.csv', 8, 'text/csv', sha256('a,b\n1,2\n')],
          ['web.txt', joined.length, 'text/plain; charset=utf-8', sha256(joined)],
        ]);
        expect((await k.bytesOf(job.id, 'data.bin')).equals(binary)).toBe(true);
        expect((await k.bytesOf(job.id, 'node.bin')).equals(joined)).toBe(true);
        expect((await k.bytesOf(job.id, 'web.txt')).equals(joined)).toBe(true);
        const elsewhere = new ConveyorArtifacts(await env.harness.openAnother(), k.settings);
        expect((await elsewhere.list(job.id)).map((a) => a.name), 'as another process sees them').toEqual(['data.bin', 'node.bin', 'report.csv', 'web.txt']);
        expect(await text((await k.reader.get(job.id, 'report.csv'))!.stream)).toBe('a,b\n1,2\n');
      });

      test('a range reads exactly its bytes, across chunk boundaries; a range outside the artifact is refused', async (k) => {
        const job = await k.runningJob();
        const bytes = randomBytes(3 * CHUNK_BYTES + 17);
        await k.writer(job).put('big.bin', bytes);
        for (const [start, end] of [[0, 0], [CHUNK_BYTES - 1, CHUNK_BYTES], [1500, 2999], [0, bytes.length - 1], [bytes.length - 1, bytes.length - 1]] as const) {
          expect((await k.bytesOf(job.id, 'big.bin', { range: { start, end } })).equals(bytes.subarray(start, end + 1)), `bytes ${start}-${end}`).toBe(true);
        }
        const refused = await rejectionOf(k.reader.get(job.id, 'big.bin', { range: { start: 10, end: bytes.length } }));
        expect(refused).toBeInstanceOf(ConveyorArtifactError);
        expect(refused.message).toContain(`is not within its ${bytes.length} bytes`);
      });

      test('an empty artifact is stored and reads back empty', async (k) => {
        const job = await k.runningJob();
        expect(await k.writer(job).put('empty.txt', '')).toMatchObject({ size: 0, sha256: sha256('') });
        expect(await k.bytesOf(job.id, 'empty.txt')).toEqual(Buffer.alloc(0));
      });

      test('a bad name, content type or source is refused before anything is stored', async (k) => {
        const job = await k.runningJob();
        const ctx = k.writer(job);
        for (const [bad, problem] of [['../etc/passwd', 'path separator'], ['a\\b', 'path separator'], ['..', 'directory reference'], ['', 'is empty'], ['x'.repeat(256), 'longer than 255 bytes'], ['a\nb', 'control character']] as const) {
          const error = await rejectionOf(ctx.put(bad, 'data'));
          expect(error, JSON.stringify(bad)).toBeInstanceOf(ConveyorArtifactError);
          expect(error.message).toContain(problem);
          expect(error.message).toContain("give a file name such as 'report-2026-01.csv'");
        }
        expect((await rejectionOf(ctx.put('a.txt', 'x', { contentType: 'text/plain\r\nX-Evil: 1' }))).message).toContain('is not a media type');
        expect((await rejectionOf(ctx.put('a.txt', 42 as never))).message).toContain('cannot write a number; give a Buffer, a string, a Node Readable or a web ReadableStream');
        expect((await rejectionOf(ctx.put('a.txt', Readable.from([{ row: 1 }])))).message).toContain('give bytes (Buffer, Uint8Array) or strings, not an object-mode stream');
        expect(await k.reader.list(job.id)).toEqual([]);
        expect(await k.under.leftovers()).toBe(0);
      });

      test('an artifact past maxBytes, or an attempt past maxJobBytes, fails naming the limit and leaves nothing', async (k) => {
        const job = await k.runningJob();
        const ctx = k.writer(job);
        const tooBig = await rejectionOf(ctx.put('big.bin', Readable.from([randomBytes(1500), randomBytes(1500), randomBytes(1500)])));
        expect(tooBig).toBeInstanceOf(ConveyorArtifactError);
        expect(tooBig.message).toBe('ctx.artifacts.put("big.bin"): the artifact is larger than maxBytes, 4000 bytes; raise the worker\'s artifacts.maxBytes or write less');
        await ctx.put('one.bin', randomBytes(3000));
        await ctx.put('one.bin', randomBytes(3500)); // replacing frees what it replaced
        const overJob = await rejectionOf(ctx.put('two.bin', randomBytes(3000)));
        expect(overJob.message).toBe('ctx.artifacts.put("two.bin"): this attempt\'s artifacts together pass maxJobBytes, 6000 bytes; raise the worker\'s artifacts.maxJobBytes or write less');
        await ctx.put('three.bin', randomBytes(2500));
        expect((await k.reader.list(job.id)).map((a) => [a.name, a.size])).toEqual([['one.bin', 3500], ['three.bin', 2500]]);
        expect(await k.under.leftovers(), 'no bytes of the failed writes or of the replaced one').toBe(0);
      }, { maxBytes: 4000, maxJobBytes: 6000 });

      test('a source that fails midway leaves nothing visible and no bytes', async (k) => {
        const job = await k.runningJob();
        async function* failing(): AsyncGenerator<Buffer> {
          yield randomBytes(2500);
          throw new Error('the export query was cancelled');
        }
        expect((await rejectionOf(k.writer(job).put('export.csv', failing()))).message).toBe('the export query was cancelled');
        expect(await k.reader.list(job.id)).toEqual([]);
        expect(await k.reader.get(job.id, 'export.csv')).toBeNull();
        expect(await k.under.leftovers()).toBe(0);
      });

      test('the lease fences a put: another worker, or an attempt already finished, records nothing', async (k) => {
        const job = await k.runningJob();
        const stranger = await rejectionOf(k.writer(job, WORKER_B).put('a.txt', 'from a worker that does not hold the job'));
        expect(stranger.message).toBe(`ctx.artifacts.put("a.txt"): job ${job.id} attempt 1 no longer holds the job (its lease was lost, or it was cancelled or timed out), so the artifact was not recorded`);
        await finishClaimed(k.store, job, 'succeeded', at(2));
        expect((await rejectionOf(k.writer(job).put('late.txt', 'after the outcome'))).message).toContain('no longer holds the job');
        expect(await k.reader.list(job.id)).toEqual([]);
        expect(await k.under.leftovers()).toBe(0);
      });

      test("each attempt keeps its own artifacts; a name reads from the latest attempt that wrote it unless an attempt is asked for", async (k) => {
        const first = await k.runningJob();
        await k.writer(first).put('log.txt', 'attempt one');
        await k.writer(first).put('partial.csv', 'a,b');
        await finishClaimed(k.store, first, 'failed', at(2), { retryAt: at(3) });
        await k.store.jobs.promoteDue({ now: at(4), limit: 10 });
        const second = await claimJob(k.store, first, { now: at(5) });
        expect(second.attempt).toBe(2);
        await k.writer(second).put('log.txt', 'attempt two');
        expect((await k.reader.list(first.id)).map((a) => [a.attempt, a.name])).toEqual([[1, 'log.txt'], [1, 'partial.csv'], [2, 'log.txt']]);
        expect((await k.bytesOf(first.id, 'log.txt')).toString()).toBe('attempt two');
        expect((await k.bytesOf(first.id, 'log.txt', { attempt: 1 })).toString()).toBe('attempt one');
        expect((await k.bytesOf(first.id, 'partial.csv')).toString()).toBe('a,b');
        expect(await k.reader.get(first.id, 'log.txt', { attempt: 3 })).toBeNull();
      });

      test('an artifact written is logged in the event log with its name, size and type', async (k) => {
        const job = await k.runningJob();
        await k.writer(job).put('report.csv', 'a,b\n');
        const logged = (await allEvents(k.store)).filter((event) => event.jobId === job.id && event.artifact !== null);
        expect(logged).toEqual([expect.objectContaining({ jobId: job.id, state: 'running', attempt: 1, artifact: { name: 'report.csv', size: 4, contentType: 'text/csv; charset=utf-8' } })]);
        expect((await allEvents(k.store)).filter((event) => event.artifact === null).every((event) => event.artifact === null)).toBe(true);
      });

      test('unknown jobs and names have no artifacts', async (k) => {
        const job = await k.runningJob();
        expect(await k.reader.list(job.id)).toEqual([]);
        expect(await k.reader.list('999999999')).toEqual([]);
        expect(await k.reader.list('not-an-id')).toEqual([]);
        expect(await k.reader.get(job.id, 'missing.txt')).toBeNull();
        expect(await k.reader.get(job.id, '../x')).toBeNull();
      });

      test('retention: the artifacts of pruned jobs go with their bytes, in bounded batches; those of kept jobs stay', async (k) => {
        const kept = await k.runningJob('conformance.kept');
        await k.writer(kept).put('keep.txt', 'kept');
        await finishClaimed(k.store, kept, 'succeeded', at(500));
        const old = await k.runningJob('conformance.old');
        for (let n = 0; n < 3; n++) await k.writer(old).put(`file-${n}.txt`, `old ${n}`);
        await finishClaimed(k.store, old, 'succeeded', at(2));
        expect(await pruneArtifactsOfPrunedJobs(k.store, k.settings.backend, 5), 'nothing while the job is kept').toBe(0);
        expect(await k.store.jobs.pruneFinished({ succeededBefore: at(100), deadBefore: at(100), cancelledBefore: at(100), limit: 10 })).toBe(1);
        expect(await k.store.artifacts.listOfPrunedJobs({ limit: 2 })).toHaveLength(2);
        expect(await pruneArtifactsOfPrunedJobs(k.store, k.settings.backend, 5)).toBe(3);
        expect(await k.reader.list(old.id)).toEqual([]);
        expect((await k.reader.list(kept.id)).map((a) => a.name)).toEqual(['keep.txt']);
        expect((await k.bytesOf(kept.id, 'keep.txt')).toString()).toBe('kept');
        expect(await k.under.leftovers()).toBe(0);
        expect(ARTIFACT_PRUNE_BATCH).toBeGreaterThan(0);
      });

      test('the bytes of a write never recorded (a worker killed mid-write) are swept once older than the cut-off, never those of a recorded artifact', async (k) => {
        const job = await k.runningJob();
        await k.writer(job).put('recorded.txt', 'stays');
        const orphan = `job-${job.id}/1-orphaned-write`;
        await k.settings.backend.write(orphan, Readable.from([randomBytes(2500)]));
        expect(await sweepUnrecordedArtifacts(k.store, k.settings.backend, new Date(Date.now() - 3_600_000), 100), 'too recent to be abandoned').toBe(0);
        expect(await sweepUnrecordedArtifacts(k.store, k.settings.backend, FAR_FUTURE, 100)).toBe(1);
        expect(await k.under.leftovers()).toBe(0);
        expect((await k.bytesOf(job.id, 'recorded.txt')).toString()).toBe('stays');
        await expect(text(k.settings.backend.read(orphan, null))).rejects.toThrow();
      });
    });
  }
};
