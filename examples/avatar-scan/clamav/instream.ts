/**
 * A small client for clamd's `INSTREAM` command: the bytes to scan travel over the connection, in
 * chunks each framed by a 4-byte big-endian length and ended by a zero-length chunk.
 *
 * It never sends a file path (`SCAN /path`): the scanner usually runs in another container or on
 * another host and cannot see the worker's disk, and streaming also works for bytes that were never a
 * file (an upload still in memory, an object-store download).
 */
import { type ClamdAddress, clamdRequest, describeAddress } from './clamd-socket.js';

export type { ClamdAddress } from './clamd-socket.js';

/** What clamd said about the bytes: clean, or infected with the name of the signature that matched. */
export type ScanVerdict = { clean: true } | { clean: false; signature: string };

export interface ScanOptions {
  /** Aborting destroys the connection and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Largest chunk framed on the wire (default 64 KiB); bigger input chunks are split. */
  chunkBytes?: number;
  /** Deadline for the whole scan, from connecting to clamd's verdict (default 60 s). */
  timeoutMs?: number;
}

const DEFAULT_CHUNK_BYTES = 64 * 1024;
const DEFAULT_SCAN_TIMEOUT_MS = 60_000;
const DEFAULT_PING_TIMEOUT_MS = 5_000;
/** The length prefix is 32 bits; clamd's own StreamMaxLength caps a whole stream far below this. */
const MAX_CHUNK_BYTES = 0xffff_ffff;

/**
 * Stream `data` to clamd and return its verdict.
 *
 * Throws an Error naming the clamd address when clamd cannot be reached, does not answer in time,
 * refuses the stream (for example `INSTREAM size limit exceeded. ERROR` when the data is longer than
 * its `StreamMaxLength`), or answers something that is not a verdict.
 */
export async function scanBytes(
  address: ClamdAddress,
  data: Uint8Array | AsyncIterable<Uint8Array>,
  options: ScanOptions = {},
): Promise<ScanVerdict> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new RangeError(`scanBytes: chunkBytes must be a whole number from 1 to ${MAX_CHUNK_BYTES}, got ${chunkBytes}`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS;
  let sentBytes = 0;

  const scanning = clamdRequest(
    address,
    'INSTREAM',
    async (write, isDone) => {
      for await (const piece of asChunks(data, chunkBytes)) {
        if (isDone()) return; // clamd answered already, or we were aborted: stop reading the source.
        await write(lengthPrefix(piece.byteLength));
        await write(piece);
        sentBytes += piece.byteLength;
      }
      await write(lengthPrefix(0));
    },
    { signal: options.signal, timeoutMs },
  );
  const reply = await scanning.catch((error: unknown) => {
    throw explainCutStream(address, error, sentBytes);
  });
  return parseScanReply(address, reply, sentBytes);
}

/** Resolve when clamd answers `PING` with `PONG`; reject with an Error naming the address otherwise. */
export async function ping(address: ClamdAddress, signal?: AbortSignal, timeoutMs = DEFAULT_PING_TIMEOUT_MS): Promise<void> {
  const reply = await clamdRequest(address, 'PING', undefined, { signal, timeoutMs });
  if (reply !== 'PONG') {
    throw new Error(`${describeAddress(address)} answered PING with ${JSON.stringify(reply)}, expected "PONG"`);
  }
}

/**
 * Turn clamd's reply to `INSTREAM` into a verdict: `stream: OK` is clean, `stream: <signature> FOUND`
 * is infected, and anything else (`... ERROR` above all) is thrown, since a scan that did not happen
 * must never pass for a clean file.
 */
export function parseScanReply(address: ClamdAddress, reply: string, sentBytes: number): ScanVerdict {
  const where = describeAddress(address);
  if (reply === 'stream: OK') return { clean: true };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found?.[1] !== undefined) return { clean: false, signature: found[1] };
  if (reply.startsWith('INSTREAM size limit exceeded')) {
    throw new Error(
      `${where} refused the stream after ${sentBytes} bytes: ${JSON.stringify(reply)}. ` +
        `The data is longer than its StreamMaxLength; raise StreamMaxLength in clamd.conf (e.g. 25M) ` +
        `or reject files that large before scanning.`,
    );
  }
  if (reply.endsWith('ERROR')) throw new Error(`${where} could not scan the stream: ${JSON.stringify(reply)}`);
  throw new Error(
    `${where} answered INSTREAM with ${JSON.stringify(reply)}, expected "stream: OK" or "stream: <signature> FOUND"`,
  );
}

/**
 * A connection reset or broken pipe in the middle of a stream is most often clamd refusing a stream
 * longer than its StreamMaxLength, with its reply lost to the reset (see clamd-socket.ts).
 * Say so, rather than leave a bare `write EPIPE`; other errors pass through unchanged.
 */
function explainCutStream(address: ClamdAddress, error: unknown, sentBytes: number): unknown {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (sentBytes === 0 || (code !== 'EPIPE' && code !== 'ECONNRESET')) return error;
  return new Error(
    `${describeAddress(address)} closed the connection after ${sentBytes} bytes of the stream, before its verdict ` +
      `could be read (${String(code)}). clamd does this when a stream is longer than its StreamMaxLength ` +
      `("INSTREAM size limit exceeded", a reply lost with the connection); raise StreamMaxLength in clamd.conf ` +
      `(e.g. 25M) or reject files that large before scanning.`,
    { cause: error },
  );
}

/** Pieces of at most `chunkBytes` bytes, never empty: an empty chunk would end the stream early. */
async function* asChunks(data: Uint8Array | AsyncIterable<Uint8Array>, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const sources: Iterable<Uint8Array> | AsyncIterable<Uint8Array> = data instanceof Uint8Array ? [data] : data;
  for await (const source of sources) {
    for (let start = 0; start < source.byteLength; start += chunkBytes) {
      yield source.subarray(start, start + chunkBytes);
    }
  }
}

function lengthPrefix(length: number): Uint8Array {
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, length, false);
  return prefix;
}
