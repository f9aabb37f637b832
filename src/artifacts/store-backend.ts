/**
 * The default artifact backend: bytes in the Conveyor store itself (`store.artifactChunks`), in
 * chunks of `chunkBytes` (1 MiB), written one statement per chunk as they arrive and read back one
 * chunk at a time, so neither side holds more than a chunk or two whatever the artifact's size.
 */
import { Readable } from 'node:stream';
import type { ArtifactChunkStore } from '../store/store.js';
import type { ArtifactBackend, ByteRange } from './backend.js';
import { rechunk } from './chunks.js';

export const DEFAULT_CHUNK_BYTES = 1_048_576;

export function storeArtifactBackend(chunks: ArtifactChunkStore, options: { chunkBytes?: number } = {}): ArtifactBackend {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  return {
    description: 'in the store',

    async write(key, source) {
      let seq = 0;
      let byteOffset = 0;
      for await (const data of rechunk(source, chunkBytes)) {
        await chunks.write({ blobKey: key, seq, byteOffset, data, now: new Date() });
        seq += 1;
        byteOffset += data.byteLength;
      }
      // Chunk 0 marks a blob for `sweep`, even an empty one.
      if (seq === 0) await chunks.write({ blobKey: key, seq: 0, byteOffset: 0, data: new Uint8Array(0), now: new Date() });
    },

    read(key, range) {
      return Readable.from(readChunks(chunks, key, range), { objectMode: false });
    },

    async delete(keys) {
      await chunks.delete({ blobKeys: keys });
    },

    async sweep({ before, limit }) {
      // The chunks and the records are in one store: one statement finds what no record names.
      return chunks.deleteUnreferenced({ before, limit });
    },
  };
}

async function* readChunks(chunks: ArtifactChunkStore, key: string, range: ByteRange | null): AsyncGenerator<Buffer> {
  let seq = range === null ? 0 : await chunks.seqAt({ blobKey: key, byteOffset: range.start });
  if (seq === null) throw new Error(`artifact bytes ${key}: none stored at byte ${range?.start ?? 0}`);
  let first = true;
  for (;;) {
    const chunk = await chunks.read({ blobKey: key, seq });
    if (chunk === null) {
      if (first) throw new Error(`artifact bytes ${key}: not stored (deleted, or never written)`);
      return;
    }
    first = false;
    const chunkEnd = chunk.byteOffset + chunk.data.byteLength - 1;
    if (range === null) {
      if (chunk.data.byteLength > 0) yield chunk.data;
    } else {
      const from = Math.max(range.start - chunk.byteOffset, 0);
      const to = Math.min(range.end, chunkEnd) - chunk.byteOffset + 1;
      if (to > from) yield chunk.data.subarray(from, to);
      if (chunkEnd >= range.end) return;
    }
    seq += 1;
  }
}
