/** Serving an app over HTTP with Node's server, on a given port (0 picks a free one). */
import type { AddressInfo, Server, Socket } from 'node:net';
import { serve, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { ConveyorConfigError } from '../errors.js';
import { KeyedSlots } from './keyed-slots.js';
import { resolveServerLimits, type ServerLimits } from './server-limits.js';

export interface StartServerOptions {
  /**
   * A Hono (or OpenAPIHono) app, or anything else answering fetch requests. `env` carries the Node
   * request (`env.incoming`), where the client's address comes from.
   */
  app: { fetch(request: Request, env: HttpBindings | Http2Bindings): Response | Promise<Response> };
  /** 0 lets the system pick a free port; `url` tells which. */
  port: number;
  /** @example '127.0.0.1' (this machine only) or '0.0.0.0' (every interface) */
  host: string;
  /** Timeouts and connection caps; each one left out has its default (see `server-limits.ts`). */
  limits?: Partial<ServerLimits>;
}

export interface RunningServer {
  /** Where the server listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /**
   * Stop accepting connections, give requests in flight `CLOSE_GRACE_MS` to finish, then close every
   * connection (an event stream never finishes by itself) and resolve.
   */
  close(): Promise<void>;
}

/** Listen; resolves once the port is bound. */
export function startServer(options: StartServerOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    // The adapter's default (overrideGlobalObjects: true) swaps the global Request for its own subclass. Turning it
    // off looks tidier but breaks hono/body-limit, which rebuilds the request with `new Request(c.req.raw, …)`.
    const limits = resolveServerLimits({}, options.limits);
    const server = serve({
      fetch: (request, env) => options.app.fetch(request, env),
      port: options.port,
      hostname: options.host,
      serverOptions: {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        // Node looks for timed-out requests only this often (default 30 s), which would stretch every timeout by up to that.
        connectionsCheckingInterval: Math.min(1000, Math.ceil(limits.headersTimeoutMs / 4)),
      },
    });
    server.maxConnections = limits.maxConnections;
    if (limits.maxConnectionsPerAddress > 0) capConnectionsPerAddress(server, limits.maxConnectionsPerAddress);
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') reject(new ConveyorConfigError('port', `${options.port} on ${options.host} is already in use`, 'another port, or 0 for any free one'));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new ConveyorConfigError('host', `${JSON.stringify(options.host)} is not an address of this machine`, '127.0.0.1 or 0.0.0.0'));
      else reject(error);
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      resolve({ url: `http://${host}:${port}`, close: () => closeServer(server) });
    });
  });
}

/**
 * Close a new connection at once when its address already holds `max`: one client cannot take every
 * connection the server allows.
 */
function capConnectionsPerAddress(server: Server, max: number): void {
  const slots = new KeyedSlots(max);
  server.on('connection', (socket: Socket) => {
    const release = slots.take(socket.remoteAddress ?? 'unknown');
    if (release === null) socket.destroy();
    else socket.once('close', release);
  });
}

/** How long `close()` lets requests in flight finish before it closes their connections. */
export const CLOSE_GRACE_MS = 1000;

function closeServer(server: ReturnType<typeof serve>): Promise<void> {
  return new Promise((resolve, reject) => {
    const closeAll = setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, CLOSE_GRACE_MS);
    server.close((error) => {
      clearTimeout(closeAll);
      if (error === undefined) resolve();
      else reject(error);
    });
    // Kept-alive connections with no request in flight would hold close() open until they time out.
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}
