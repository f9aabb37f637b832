/**
 * Writing an artifact's bytes where `conveyor artifacts get` was told to, checking them as they
 * stream: the SHA-256 and size recorded when the job wrote the file must match what the backend
 * returns. A file is written to a temporary name beside its destination and renamed into place only
 * once every byte is in and checked, so a failed, mismatched or interrupted (Ctrl+C) download
 * leaves nothing behind under the destination's name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, unlinkSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Artifact } from '../artifact.js';
import { ConveyorArtifactError } from '../errors.js';
import { startProgress } from './progress.js';

/** Where the bytes go: a file path, or standard output. */
export type DownloadTarget = { kind: 'file'; path: string } | { kind: 'stdout' };

/** Stream `source` (the bytes of `artifact`) to `target`, with a progress line on stderr; throws on a mismatch. */
export async function downloadArtifact(artifact: Artifact, source: Readable, target: DownloadTarget): Promise<void> {
  if (target.kind === 'stdout') {
    // Bytes already written cannot be taken back: a mismatch is reported after them, and the exit code says so.
    await copyVerified(artifact, source, process.stdout, 'standard output', { end: false });
    return;
  }
  const temporary = join(dirname(target.path), `.${basename(target.path)}.${randomBytes(4).toString('hex')}.part`);
  const removeTemporary = (): void => {
    try {
      unlinkSync(temporary);
    } catch {
      // Not created yet, or gone already.
    }
  };
  const interrupted = (signal: NodeJS.Signals): void => {
    removeTemporary();
    process.stderr.write(`\ninterrupted: nothing written to ${target.path}\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    // `wx`: the random name is ours alone; never follow or truncate something already there.
    await copyVerified(artifact, source, createWriteStream(temporary, { flags: 'wx' }), target.path, { end: true });
    await rename(temporary, target.path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw unwritable(error, target.path, artifact.name);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

/** A file-system error (no such directory, no permission, a full disk) as a one-line error naming the path. */
function unwritable(error: unknown, path: string, name: string): unknown {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  // Only the calls that write the file: a store connection's ECONNRESET is not about the path.
  if (typeof code !== 'string' || !['open', 'write', 'rename', 'close'].includes(syscall ?? '')) return error;
  return new ConveyorArtifactError(`-o ${path}: cannot write there (${code}: ${(error as Error).message}); give a file in a writable directory that exists, e.g. -o ./${name}`);
}

async function copyVerified(artifact: Artifact, source: Readable, sink: Writable, where: string, options: { end: boolean }): Promise<void> {
  const hash = createHash('sha256');
  let bytes = 0;
  const progress = startProgress(`${artifact.name}: bytes`, artifact.size);
  try {
    await pipeline(
      source,
      async function* meter(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          bytes += chunk.length;
          progress.update(bytes);
          yield chunk;
        }
      },
      sink,
      options,
    );
  } finally {
    progress.end();
  }
  const sha256 = hash.digest('hex');
  if (bytes !== artifact.size || sha256 !== artifact.sha256) {
    const outcome = where === 'standard output' ? `the ${bytes} bytes already written to standard output are not the artifact: discard them` : `nothing was written to ${where}`;
    throw new ConveyorArtifactError(
      `artifact ${JSON.stringify(artifact.name)} of job ${artifact.jobId} (attempt ${artifact.attempt}) does not match what the job wrote: ` +
        `read ${bytes} bytes with SHA-256 ${sha256}, expected ${artifact.size} bytes with SHA-256 ${artifact.sha256}; ${outcome}. ` +
        `The stored bytes were changed or damaged; if CONVEYOR_ARTIFACTS_DIR is set, check it names the workers' directory.`,
    );
  }
}
