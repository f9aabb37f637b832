/** The fault tests' TCP proxy, against a real echo server on loopback. */
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** Connect, send `text`, and resolve with the echo, or reject with the socket's error or early close. */
async function echoThrough(port: number, text: string): Promise<string> {
  const socket = createConnection({ host: '127.0.0.1', port });
  try {
    return await exchange(socket, text);
  } finally {
    socket.destroy();
  }
}

function exchange(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (received.length >= text.length) resolve(received);
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after receiving ${JSON.stringify(received)}`)));
    socket.write(text);
  });
}

describe('tcp proxy', () => {
  let echo: Server;
  let proxy: TcpProxy;

  beforeEach(async () => {
    echo = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.pipe(socket);
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const address = echo.address();
    if (address === null || typeof address === 'string') throw new Error('echo server has no port');
    proxy = await startTcpProxy({ host: '127.0.0.1', port: address.port });
  });

  afterEach(async () => {
    await proxy.close();
    echo.close();
  });

  it('pipes bytes both ways to the target', async () => {
    expect(proxy.port).toBeGreaterThan(0);
    expect(await echoThrough(proxy.port, 'ping')).toBe('ping');
  });

  it('cut() resets open connections and refuses new ones until restore()', async () => {
    const open = createConnection({ host: '127.0.0.1', port: proxy.port });
    expect(await exchange(open, 'before')).toBe('before');
    // The reset arrives as an ECONNRESET 'error', then 'close'.
    open.on('error', () => undefined);
    const closed = new Promise((resolve) => open.once('close', resolve));

    proxy.cut();
    await closed;
    expect(open.destroyed).toBe(true);
    await expect(echoThrough(proxy.port, 'during')).rejects.toThrow();
    expect(proxy.isCut).toBe(true);

    proxy.restore();
    expect(await echoThrough(proxy.port, 'after')).toBe('after');
    expect(proxy.connectionCount).toBe(3);
  });
});
