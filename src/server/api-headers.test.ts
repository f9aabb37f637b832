/** Every JSON answer of the API, refusals and errors included, says nosniff and is never cached (issue 13, item 12). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, WRONG_TOKEN, type TestServer } from './test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const email = { task: 'email.send', input: { to: 'ada@example.com', subject: 'Hello' } };

it('sends X-Content-Type-Options: nosniff and Cache-Control: no-store on JSON answers, refusals and errors', async () => {
  const created = await server.request('POST', '/jobs', { body: email });
  const { job } = (await created.json()) as { job: { id: string } };
  const responses: Array<[string, Response]> = [
    ['POST /jobs', created],
    ['GET /jobs', await server.request('GET', '/jobs')],
    ['GET /jobs/:id', await server.request('GET', `/jobs/${job.id}`)],
    ['GET /queues', await server.request('GET', '/queues')],
    ['GET /openapi.json', await server.request('GET', '/openapi.json')],
    ['401', await server.request('GET', '/jobs', { token: WRONG_TOKEN })],
    ['400', await server.request('GET', '/jobs?limit=0')],
    ['404', await server.request('GET', '/jobs/999999')],
    ['413', await server.request('POST', '/jobs', { rawBody: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'application/json' } })],
  ];
  for (const [what, response] of responses) {
    if (!response.bodyUsed) await response.arrayBuffer();
    expect(response.headers.get('content-type'), what).toContain('application/json');
    expect({ what, nosniff: response.headers.get('x-content-type-options'), cache: response.headers.get('cache-control') }).toEqual({ what, nosniff: 'nosniff', cache: 'no-store' });
  }
});
