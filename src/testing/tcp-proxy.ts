/**
 * A TCP proxy for fault tests: clients connect to `127.0.0.1:<port>` and are piped to a target. `cut()`
 * is a network outage as the client sees it: every open connection is reset and new ones are accepted
 * and reset at once; `restore()` lets connections through again. The port stays the same throughout,
 * so a client configured with it reconnects by itself once restored.
 *
 * @example
 * const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
 * const url = `postgres://postgres@127.0.0.1:${proxy.port}/postgres`;
 * proxy.cut(); … proxy.restore(); … await proxy.close();
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** True between `cut()` and `restore()`. */
  readonly isCut: boolean;
  /** Connections made through it so far (refused ones during a cut included). */
  readonly connectionCount: number;
  /** Reset every open connection, and reset new ones as they arrive, until `restore()`. */
  cut(): void;
  /** Let connections through again. */
  restore(): void;
  /** Reset every connection and stop listening. */
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let isCut = false;
  let connectionCount = 0;

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A reset is the expected way for these to end; without a listener it would crash the process.
    socket.on('error', () => socket.destroy());
  };

  const server = createServer((client) => {
    connectionCount += 1;
    track(client);
    if (isCut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(target);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: the server has no TCP address');

  const resetAll = (): void => {
    for (const socket of sockets) {
      if (socket.destroyed) continue;
      // A socket that never connected cannot be reset, only destroyed.
      if (socket.readyState === 'open') socket.resetAndDestroy();
      else socket.destroy();
    }
    sockets.clear();
  };

  return {
    port: address.port,
    get isCut() {
      return isCut;
    },
    get connectionCount() {
      return connectionCount;
    },
    cut() {
      isCut = true;
      resetAll();
    },
    restore() {
      isCut = false;
    },
    close() {
      isCut = true;
      resetAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
