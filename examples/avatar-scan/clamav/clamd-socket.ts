/**
 * One request to clamd over TCP: send a `z`-command (NUL-terminated), optionally stream a body of
 * already-framed bytes, and read the reply up to its terminating NUL.
 *
 * The reply is read while the body is still being written, because clamd answers early and closes
 * the connection when it refuses a stream (`INSTREAM size limit exceeded. ERROR`): the answer should
 * win over the broken pipe the rest of our writes then meet. It cannot always: clamd closes with our
 * unread bytes still queued, so the kernel resets the connection, and a write that meets the reset
 * before the reply was read makes Node close the socket with the reply unread in it. Such errors
 * keep the `EPIPE`/`ECONNRESET` error as their `cause`, for the caller to explain.
 */
import { connect, type Socket } from 'node:net';

/** Where a clamd listens for TCP connections (its `TCPAddr` and `TCPSocket`). */
export interface ClamdAddress {
  host: string;
  port: number;
}

export interface ClamdRequestOptions {
  /** Aborting destroys the connection and rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Deadline for the whole exchange: connect, send, and clamd's reply. */
  timeoutMs: number;
}

/** Writes a body to the socket, resolving when every byte has been handed to it. */
export type BodyWriter = (write: (bytes: Uint8Array) => Promise<void>, isDone: () => boolean) => Promise<void>;

/** `clamd at 127.0.0.1:3310`: how every error names the scanner it was talking to. */
export function describeAddress(address: ClamdAddress): string {
  return `clamd at ${address.host}:${address.port}`;
}

/**
 * Send `z<command>\0` (and the body, if any) and resolve with clamd's reply without its NUL.
 * Rejects with an Error naming the address when the connection fails, is closed before a full reply,
 * or the deadline passes.
 */
export function clamdRequest(
  address: ClamdAddress,
  command: string,
  body: BodyWriter | undefined,
  options: ClamdRequestOptions,
): Promise<string> {
  const where = describeAddress(address);
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise<string>((resolve, reject) => {
    const received: Buffer[] = [];
    let settled = false;
    const socket: Socket = connect({ host: address.host, port: address.port });

    const onAbort = (): void => finish(signal?.reason ?? new Error(`${where}: request aborted`));
    const timer = setTimeout(
      () => finish(new Error(`${where} did not answer ${command} within ${timeoutMs} ms (is it overloaded or not clamd?)`)),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });

    function finish(error: unknown, reply?: string): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (reply !== undefined) resolve(reply);
      else reject(error);
    }

    socket.on('data', (bytes: Buffer) => {
      received.push(bytes);
      const all = Buffer.concat(received);
      const end = all.indexOf(0);
      if (end >= 0) finish(undefined, all.subarray(0, end).toString('utf8'));
    });
    socket.on('end', () => {
      const partial = Buffer.concat(received).toString('utf8');
      finish(new Error(`${where} closed the connection before a complete reply to ${command} (got ${JSON.stringify(partial)})`));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      finish(new Error(`${where}: ${command} failed: ${error.message}`, { cause: error }));
    });

    // Each write waits for the socket to take the bytes and then for a turn of the event loop. A
    // write that completes at once calls back without one, so without that wait a large body would
    // be written whole before clamd's early refusal is ever read, and the first write after clamd
    // closed would fail (EPIPE) and destroy the socket with the refusal still unread in it.
    const write = (bytes: Uint8Array): Promise<void> =>
      new Promise<void>((done, fail) => {
        if (settled) return done();
        socket.write(bytes, (error) => {
          if (error && !settled) fail(new Error(`${where}: ${command} failed: ${error.message}`, { cause: error }));
          else setImmediate(done);
        });
      });

    socket.once('connect', () => {
      socket.write(`z${command}\0`);
      if (body === undefined) return;
      // An error here is a failed write (already named) or the caller's own data source failing.
      body(write, () => settled).catch((error: unknown) => finish(error));
    });
  });
}
