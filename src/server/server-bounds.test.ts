/**
 * A bounded server (issue 13, item 9), with real sockets on loopback: connections that never finish
 * their headers or body are closed after the configured timeouts, one address cannot take every
 * connection, an event stream outlives the request timeout, and a token holds a bounded number of
 * event streams.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ConveyorConfigError } from '../errors.js';
import { requestFrom } from '../testing/loopback-client.js';
import { resolveServerLimits } from './server-limits.js';
import { connectSse, type SseConnection } from './sse-test-client.js';
import { errorJson, OTHER_TOKEN, startTestServer, TOKEN, type TestServer } from './test-server.js';

let server: TestServer | undefined;
const sockets: Socket[] = [];
const streams: SseConnection[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(streams.splice(0).map((stream) => stream.close()));
  await server?.close();
  server = undefined;
});

interface RawClient {
  socket: Socket;
  /** Resolves with what the server sent once it closed the connection. */
  closed: Promise<string>;
  isOpen(): boolean;
}

/** A socket from `from` that sends `text` and then nothing. */
async function sendAndStall(url: string, from: string, text: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), localAddress: from });
  sockets.push(socket);
  let received = '';
  let open = true;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => ((open = false), resolve(received))));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()).once('close', () => resolve()));
  if (open) socket.write(text);
  return { socket, closed, isOpen: () => open };
}

const HALF_HEADER = 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ';
const bearer = { authorization: `Bearer ${TOKEN}` };

/** Rejects after `ms` with `what`, so a missing close fails the test with a reason rather than its timeout. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`${what} within ${ms} ms`)))]);
}

describe('slow clients', () => {
  it('300 sockets sending half a header from one address lock no one else out, and are closed after headersTimeoutMs', async () => {
    server = await startTestServer({ limits: { headersTimeoutMs: 1500, requestTimeoutMs: 3000, maxConnectionsPerAddress: 50 } });
    const idle = await Promise.all(Array.from({ length: 300 }, () => sendAndStall(server!.url, '127.0.0.1', HALF_HEADER)));
    // Past its 50, the address's connections are closed at once, without an answer.
    const refused = idle.slice(50);
    expect(await within(1000, 'the 250 connections over the per-address cap closed', Promise.all(refused.map((client) => client.closed)))).toEqual(refused.map(() => ''));

    // Another client is answered while the 50 still hold their connections.
    const other = await requestFrom(`${server.url}/queues`, { from: '127.0.0.2', headers: bearer });
    expect(other.status).toBe(200);
    expect(idle.slice(0, 50).every((client) => client.isOpen())).toBe(true);

    // Then the server gives up on the 50 with 408.
    const answers = await within(5000, 'the 50 half-header connections closed', Promise.all(idle.slice(0, 50).map((client) => client.closed)));
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // And the address may connect again.
    expect((await requestFrom(`${server.url}/queues`, { from: '127.0.0.1', headers: bearer })).status).toBe(200);
  });

  it('closes a connection whose body never finishes after requestTimeoutMs', async () => {
    server = await startTestServer({ limits: { headersTimeoutMs: 500, requestTimeoutMs: 1000 } });
    const started = Date.now();
    const client = await sendAndStall(
      server.url,
      '127.0.0.1',
      `POST /jobs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"task":"email.send",`,
    );
    const answer = await within(5000, 'the slow-body connection closed', client.closed);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await server.jobCount()).toBe(0);
  });

  it('caps connections in all: past maxConnections new ones are closed at once', async () => {
    server = await startTestServer({ limits: { maxConnections: 20, maxConnectionsPerAddress: 0 } });
    const idle = await Promise.all(Array.from({ length: 30 }, () => sendAndStall(server!.url, '127.0.0.1', HALF_HEADER)));
    await within(1000, '10 connections over the cap closed', Promise.all(idle.slice(20).map((client) => client.closed)));
    expect(idle.slice(0, 20).every((client) => client.isOpen())).toBe(true);
  });

  it('keeps an event stream open past requestTimeoutMs: the timeout covers receiving the request, not the answer', async () => {
    server = await startTestServer({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 500 }, events: { pollMs: 50 } });
    const stream = await connectSse(`${server.url}/events`, bearer);
    streams.push(stream);
    expect(stream.status).toBe(200);
    await stream.waitFor((messages) => messages.some((message) => message.event === 'ready'));
    // Time itself is what is tested: the server checks for timed-out requests every ~100 ms here.
    await sleep(1500);
    await server.request('POST', '/jobs', { body: { task: 'email.send', input: { to: 'ada@example.com', subject: 'still there?' } } });
    await stream.waitFor((messages) => messages.some((message) => message.event === 'job'), 5000);
  });
});

describe('event streams per token', () => {
  it('refuses a stream over maxStreamsPerToken with 429 and a message saying what to do, and frees the slot when a stream closes', async () => {
    server = await startTestServer({ events: { pollMs: 50, maxStreamsPerToken: 2 } });
    const url = `${server.url}/events`;
    for (let n = 0; n < 2; n++) {
      const stream = await connectSse(url, bearer);
      streams.push(stream);
      expect(stream.status).toBe(200);
    }
    const refused = await server.request('GET', '/events');
    expect(refused.status).toBe(429);
    const { error } = await errorJson(refused);
    expect(error.code).toBe('too_many_streams');
    expect(error.message).toContain('already has 2 event streams open');
    expect(error.message).toContain('close one');

    // Another token has its own budget.
    const other = await connectSse(url, { authorization: `Bearer ${OTHER_TOKEN}` });
    streams.push(other);
    expect(other.status).toBe(200);

    await streams.shift()!.close();
    await expect.poll(async () => {
      const again = await connectSse(url, bearer);
      streams.push(again);
      return again.status;
    }).toBe(200);
  });
});

describe('resolveServerLimits', () => {
  it('reads each limit from its variable, defaults the rest, and refuses bad values naming the variable', () => {
    expect(resolveServerLimits({ CONVEYOR_HTTP_MAX_CONNECTIONS: '2048', CONVEYOR_HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0' })).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 2048,
      maxConnectionsPerAddress: 0,
    });
    expect(() => resolveServerLimits({ CONVEYOR_HTTP_HEADERS_TIMEOUT_MS: '10s' })).toThrow(
      'CONVEYOR_HTTP_HEADERS_TIMEOUT_MS: "10s" is not a whole number of milliseconds of at least 1. Example of a valid value: CONVEYOR_HTTP_HEADERS_TIMEOUT_MS=10000',
    );
    expect(() => resolveServerLimits({ CONVEYOR_HTTP_MAX_CONNECTIONS: '0' })).toThrow(ConveyorConfigError);
    expect(() => resolveServerLimits({ CONVEYOR_HTTP_HEADERS_TIMEOUT_MS: '60000' })).toThrow(/longer than CONVEYOR_HTTP_REQUEST_TIMEOUT_MS \(30000 ms\)/);
  });
});
