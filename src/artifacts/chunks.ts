/** Turning what a handler hands `ctx.artifacts.put` into a stream of byte chunks, metered as it flows. */
import { createHash } from 'node:crypto';
import type { ArtifactSource } from '../artifact.js';
import { ConveyorArtifactError } from '../errors.js';

/** The source as chunks of bytes, never copying a Buffer it was given whole. */
export async function* sourceChunks(source: ArtifactSource, where: string): AsyncGenerator<Uint8Array> {
  if (typeof source === 'string') {
    yield Buffer.from(source, 'utf8');
    return;
  }
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  if (typeof source === 'object' && source !== null && Symbol.asyncIterator in source) {
    for await (const chunk of source as AsyncIterable<unknown>) {
      if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
      else if (chunk instanceof Uint8Array) yield chunk;
      else throw new ConveyorArtifactError(`${where}: the stream gave a ${describe(chunk)} chunk; give bytes (Buffer, Uint8Array) or strings, not an object-mode stream`);
    }
    return;
  }
  throw new ConveyorArtifactError(`${where}: cannot write a ${describe(source)}; give a Buffer, a string, a Node Readable or a web ReadableStream, e.g. ctx.artifacts.put('report.csv', fs.createReadStream(path))`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

/** Chunks of exactly `size` bytes (the last one shorter), slicing big ones without copying and joining small ones. */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (let chunk of source) {
    while (chunk.byteLength > 0) {
      const take = Math.min(size - pendingBytes, chunk.byteLength);
      pending.push(chunk.subarray(0, take));
      pendingBytes += take;
      chunk = chunk.subarray(take);
      if (pendingBytes === size) {
        yield pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending);
}

/** What flowed through `meter`: its size and SHA-256, once the stream ended. */
export interface Metered {
  size: number;
  sha256: string;
}

/**
 * Count and hash the bytes as they pass; throw once more than `limitBytes` passed, naming the limit
 * (`limitMessage(limitBytes)`), so a backend stops writing at the first chunk past it.
 */
export function meter(source: AsyncIterable<Uint8Array>, limitBytes: number, limitMessage: (limitBytes: number) => string): { chunks: AsyncGenerator<Uint8Array>; result: () => Metered } {
  const hash = createHash('sha256');
  let size = 0;
  let digest: string | null = null;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > limitBytes) throw new ConveyorArtifactError(limitMessage(limitBytes));
      hash.update(chunk);
      yield chunk;
    }
    digest = hash.digest('hex');
  }
  return {
    chunks: chunks(),
    result: () => {
      if (digest === null) throw new Error('meter: the stream was not read to its end');
      return { size, sha256: digest };
    },
  };
}
