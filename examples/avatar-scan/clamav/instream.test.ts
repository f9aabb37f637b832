/**
 * The INSTREAM client against a real clamd, started privately (clamd-process.ts) with our EICAR-only
 * signature database and a StreamMaxLength of 1M so the size-limit refusal is cheap to reach.
 *
 * Without a clamd on the machine the suite is skipped with the reason printed; with
 * CONVEYOR_REQUIRE_CLAMD=1 (as in CI) it fails instead, so a missing scanner never passes as skipped.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningClamd, startClamd } from './clamd-process.js';
import { describeClamd } from './describe-clamd.js';
import { eicarBytes } from './eicar.js';
import { parseScanReply, ping, scanBytes } from './instream.js';

/**
 * clamd reports a signature from a database without a digital signature (ours) with `.UNOFFICIAL`
 * appended to the name written in test-signatures.hdb (`Conveyor-Test.EICAR`).
 */
const EICAR_SIGNATURE = 'Conveyor-Test.EICAR.UNOFFICIAL';
const STREAM_MAX_BYTES = 1024 * 1024;

async function* slowly(pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const piece of pieces) {
    await new Promise((wake) => setImmediate(wake));
    yield piece;
  }
}

/** A port on 127.0.0.1 with nothing listening: one the kernel handed out and we closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  await new Promise((closed) => server.close(closed));
  if (typeof address !== 'object' || address === null) throw new Error('closedPort: the server had no address');
  return address.port;
}

describeClamd('clamd INSTREAM client (real clamd)', () => {
  let clamd: RunningClamd;
  let startMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    clamd = await startClamd({ streamMaxLength: '1M' });
    startMs = Date.now() - started;
  }, 60_000);

  afterAll(async () => {
    await clamd?.stop();
  }, 30_000);

  it('starts a clamd that answers PING on the port it reports', async () => {
    expect(clamd.url).toBe(`tcp://127.0.0.1:${clamd.port}`);
    expect(startMs).toBeLessThan(60_000);
    await expect(ping(clamd)).resolves.toBeUndefined();
  });

  it('finds nothing in clean bytes', async () => {
    const clean = new TextEncoder().encode('a perfectly ordinary avatar, honest\n'.repeat(2_000));
    await expect(scanBytes(clamd, clean)).resolves.toEqual({ clean: true });
  });

  it('finds nothing in bytes that differ from EICAR by one byte (the signature is exact)', async () => {
    const almost = eicarBytes();
    almost[0] = 0x59; // 'Y' for 'X'
    await expect(scanBytes(clamd, almost)).resolves.toEqual({ clean: true });
  });

  it('finds EICAR, named by the signature in our database', async () => {
    await expect(scanBytes(clamd, eicarBytes())).resolves.toEqual({ clean: false, signature: EICAR_SIGNATURE });
  });

  it('finds EICAR sent in 7-byte chunks from an async iterable with empty pieces in it', async () => {
    const eicar = eicarBytes();
    const pieces = [eicar.subarray(0, 30), new Uint8Array(0), eicar.subarray(30)];
    const verdict = await scanBytes(clamd, slowly(pieces), { chunkBytes: 7 });
    expect(verdict).toEqual({ clean: false, signature: EICAR_SIGNATURE });
  });

  it('accepts data just under StreamMaxLength and refuses data over it with a clear error', async () => {
    await expect(scanBytes(clamd, new Uint8Array(STREAM_MAX_BYTES - 1024))).resolves.toEqual({ clean: true });
    const error = await scanBytes(clamd, new Uint8Array(2 * STREAM_MAX_BYTES)).then(
      () => new Error('expected a refusal'),
      (refusal: unknown) => refusal,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`clamd at 127.0.0.1:${clamd.port}`);
    // clamd's reply, or (when the reset of the connection beat the reply to us) our reading of it.
    expect(message).toMatch(/INSTREAM size limit exceeded|closed the connection after \d+ bytes of the stream/);
    expect(message).toContain('StreamMaxLength');
  });

  it('still answers after refusing a stream', async () => {
    await expect(scanBytes(clamd, new Uint8Array(3 * STREAM_MAX_BYTES), { chunkBytes: 1024 * 1024 })).rejects.toThrow(
      /StreamMaxLength/,
    );
    await expect(scanBytes(clamd, eicarBytes())).resolves.toEqual({ clean: false, signature: EICAR_SIGNATURE });
  });

  it('names the address when nothing listens there', async () => {
    const port = await closedPort();
    await expect(scanBytes({ host: '127.0.0.1', port }, eicarBytes())).rejects.toThrow(
      new RegExp(`clamd at 127\\.0\\.0\\.1:${port}.*ECONNREFUSED`),
    );
    await expect(ping({ host: '127.0.0.1', port })).rejects.toThrow(`clamd at 127.0.0.1:${port}`);
  });

  it('names the address when the peer never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => {
      sockets.push(socket);
      socket.resume(); // read and ignore everything
    });
    await new Promise<void>((ready) => silent.listen(0, '127.0.0.1', ready));
    const address = silent.address();
    if (typeof address !== 'object' || address === null) throw new Error('the silent server has no address');
    try {
      const started = Date.now();
      await expect(scanBytes({ host: '127.0.0.1', port: address.port }, eicarBytes(), { timeoutMs: 300 })).rejects.toThrow(
        `clamd at 127.0.0.1:${address.port} did not answer INSTREAM within 300 ms`,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((closed) => silent.close(closed));
    }
  });

  it('stops streaming and rejects with the reason when aborted', async () => {
    const controller = new AbortController();
    let piecesRead = 0;
    let sourceClosed = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          await new Promise((wake) => setTimeout(wake, 20));
          piecesRead += 1;
          yield new Uint8Array(16);
        }
      } finally {
        sourceClosed = true;
      }
    }
    setTimeout(() => controller.abort(new Error('the job was cancelled')), 150);
    const started = Date.now();
    await expect(scanBytes(clamd, endless(), { signal: controller.signal })).rejects.toThrow('the job was cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
    await new Promise((wake) => setTimeout(wake, 100));
    expect(sourceClosed).toBe(true);
    expect(piecesRead).toBeGreaterThan(0);
  });

  it('rejects at once with an already aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(scanBytes(clamd, eicarBytes(), { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a chunk size that cannot be framed', async () => {
    await expect(scanBytes(clamd, eicarBytes(), { chunkBytes: 0 })).rejects.toThrow(/chunkBytes must be a whole number/);
  });
});

describe('parseScanReply (no clamd needed)', () => {
  const address = { host: 'scanner.internal', port: 3310 };

  it('reads OK as clean and FOUND as infected with the signature name', () => {
    expect(parseScanReply(address, 'stream: OK', 10)).toEqual({ clean: true });
    expect(parseScanReply(address, 'stream: Win.Test.EICAR_HDB-1 FOUND', 68)).toEqual({
      clean: false,
      signature: 'Win.Test.EICAR_HDB-1',
    });
  });

  it('throws clamd\'s size-limit refusal with the address, the bytes sent and what to change', () => {
    expect(() => parseScanReply(address, 'INSTREAM size limit exceeded. ERROR', 1_048_576)).toThrow(
      'clamd at scanner.internal:3310 refused the stream after 1048576 bytes: "INSTREAM size limit exceeded. ERROR". ' +
        'The data is longer than its StreamMaxLength',
    );
  });

  it('throws any other ERROR and any reply that is not a verdict, never calling it clean', () => {
    expect(() => parseScanReply(address, 'Can\'t allocate memory ERROR', 5)).toThrow(
      'clamd at scanner.internal:3310 could not scan the stream: "Can\'t allocate memory ERROR"',
    );
    expect(() => parseScanReply(address, 'PONG', 5)).toThrow(/answered INSTREAM with "PONG", expected "stream: OK"/);
  });
});
