import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { defineDependency, httpDependency, tcpDependency } from './dependency.js';
import { ConveyorConfigError } from './errors.js';

const open: Array<Server | HttpServer> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listening<T extends Server | HttpServer>(server: T): Promise<number> {
  open.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const check = (dependency: ReturnType<typeof tcpDependency>) => dependency.check(AbortSignal.timeout(dependency.timeoutMs));

describe('tcpDependency', () => {
  it('is up while the port accepts connections, and names the refusal once it does not', async () => {
    const server = createServer((socket) => socket.end());
    const port = await listening(server);
    const scanner = tcpDependency('virus-scanner', `tcp://127.0.0.1:${port}`, { timeoutMs: 1_000 });
    expect(scanner).toMatchObject({ name: 'virus-scanner', target: `tcp://127.0.0.1:${port}`, timeoutMs: 1_000, intervalMs: 10_000 });
    await expect(check(scanner)).resolves.toBeUndefined();
    await new Promise((resolve) => server.close(resolve));
    open.splice(open.indexOf(server), 1);
    await expect(check(scanner)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a declaration it cannot check, naming what a right one looks like', () => {
    expect(() => tcpDependency('scanner', 'clamd:3310')).toThrow(ConveyorConfigError);
    expect(() => tcpDependency('scanner', 'http://clamd:3310')).toThrow('tcpDependency("scanner") url: must be a tcp://host:port URL, got "http://clamd:3310". Example of a valid value: "tcp://clamd:3310"');
    expect(() => tcpDependency('scanner', 'tcp://clamd')).toThrow(/must name a host and a port from 1 to 65535/);
    expect(() => tcpDependency('has space', 'tcp://clamd:3310')).toThrow(/name: must be 1–128 letters/);
    expect(() => tcpDependency('scanner', 'tcp://clamd:3310', { timeoutMs: 0 })).toThrow(/timeoutMs: must be an integer of milliseconds/);
  });
});

describe('httpDependency', () => {
  it('is up on 2xx, down with the status on 503, and the password is never shown', async () => {
    let status = 503;
    const authorizations: Array<string | undefined> = [];
    const port = await listening(createHttpServer((request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(status).end('body');
    }));
    const api = httpDependency('billing-api', `http://user:secret@127.0.0.1:${port}/health`, { timeoutMs: 1_000 });
    expect(api.target).not.toContain('secret');
    await expect(check(api)).rejects.toThrow('HTTP 503 Service Unavailable');
    status = 200;
    await expect(check(api)).resolves.toBeUndefined();
    expect(authorizations[0]).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
  });

  it('gives up on a server that never answers once the check times out', async () => {
    const port = await listening(createHttpServer(() => undefined));
    const api = httpDependency('slow-api', `http://127.0.0.1:${port}/`, { timeoutMs: 200 });
    const started = Date.now();
    await expect(check(api)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('takes only http and https URLs', () => {
    expect(() => httpDependency('api', 'ftp://files')).toThrow('httpDependency("api") url: must be an http:// or https:// URL, got "ftp://files"');
    expect(() => httpDependency('api', 'not a url')).toThrow('httpDependency("api") url: is not a URL');
  });
});

describe('defineDependency', () => {
  it('takes any async check, and says what is missing from a declaration', async () => {
    const custom = defineDependency({ name: 'billing-db', target: 'postgres://billing', check: async () => undefined });
    await expect(custom.check(new AbortController().signal)).resolves.toBeUndefined();
    expect(() => defineDependency({ name: 'x' } as never)).toThrow('defineDependency("x").check: is not a function');
  });
});
