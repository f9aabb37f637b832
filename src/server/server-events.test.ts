/**
 * `GET /events` over real HTTP on both stores: a job run by a worker in another process (the real
 * CLI) reaches the client as ordered events; reconnecting with Last-Event-ID resumes exactly; filters
 * hold and still move the client's position; a client behind the retention is told to refetch.
 */
import { afterEach, expect, it } from 'vitest';
import { FIXTURE_TASKS, killStragglers, startCli } from '../cli/fixtures/run.js';
import { greet } from '../cli/fixtures/tasks.js';
import { connectSse, jobEvents, type SseConnection } from './sse-test-client.js';
import { describeEachStore, errorJson, sendEmail, startTestServer, TOKEN, type TestServer, type TestStoreFactory } from './test-server.js';

const auth = { authorization: `Bearer ${TOKEN}` };
const open: Array<SseConnection | TestServer> = [];
afterEach(async () => {
  killStragglers();
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function serverWithGreet(store: TestStoreFactory): Promise<TestServer> {
  const server = await startTestServer({ store, tasks: [greet, sendEmail], events: { pollMs: 50 } });
  open.push(server);
  return server;
}

async function subscribe(server: TestServer, query = '', headers: Record<string, string> = {}): Promise<SseConnection> {
  const connection = await connectSse(`${server.url}/events${query}`, { ...auth, ...headers });
  open.push(connection);
  expect(connection.status).toBe(200);
  await connection.waitFor((messages) => messages.some((message) => message.event === 'ready'));
  return connection;
}

async function enqueueGreet(server: TestServer, name: string): Promise<string> {
  const response = await server.request('POST', '/jobs', { body: { task: 'fixture.greet', input: { name } } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { job: { id: string } }).job.id;
}

describeEachStore('GET /events', (store) => {
  it('streams a job run by a worker in another process, in order: queued, running, progress, succeeded', async () => {
    const server = await serverWithGreet(store);
    const stream = await subscribe(server, '?task=fixture.greet');
    const id = await enqueueGreet(server, 'Ada');
    const worker = startCli(['--store', server.storeUrl, 'worker', FIXTURE_TASKS, '--concurrency', '2']);
    await stream.waitFor((messages) => jobEvents(messages).some((event) => event.state === 'succeeded'));
    worker.child.kill('SIGTERM');

    const events = jobEvents(stream.messages);
    expect(events.map((event) => [event.jobId, event.state, event.attempt, event.progress?.fraction ?? null])).toEqual([
      [id, 'queued', 0, null],
      [id, 'running', 1, null],
      [id, 'running', 1, 0.5],
      [id, 'succeeded', 1, 0.5],
    ]);
    expect(events.every((event) => event.task === 'fixture.greet' && event.queue === 'default')).toBe(true);
    const seqs = events.map((event) => BigInt(event.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(seqs).size).toBe(seqs.length);
    // Each event's id is its seq, so a reconnect resumes after the last one seen.
    expect(stream.messages.filter((message) => message.event === 'job').map((message) => message.lastEventId)).toEqual(events.map((event) => event.seq));
  });

  it('resumes after Last-Event-ID with exactly the events after it, and starts with new events only without one', async () => {
    const server = await serverWithGreet(store);
    const first = await subscribe(server);
    const ids = [await enqueueGreet(server, 'one'), await enqueueGreet(server, 'two'), await enqueueGreet(server, 'three')];
    await first.waitFor((messages) => jobEvents(messages).length === 3);
    const [one] = jobEvents(first.messages);
    await first.close();

    const resumed = await subscribe(server, '', { 'last-event-id': one!.seq });
    await resumed.waitFor((messages) => jobEvents(messages).length >= 2);
    expect(jobEvents(resumed.messages).map((event) => event.jobId)).toEqual(ids.slice(1));

    const fresh = await subscribe(server);
    const four = await enqueueGreet(server, 'four');
    await fresh.waitFor((messages) => jobEvents(messages).length >= 1);
    expect(jobEvents(fresh.messages).map((event) => event.jobId)).toEqual([four]);
    // The query parameter does what the header does, for clients that cannot set headers.
    const byQuery = await subscribe(server, `?lastEventId=${one!.seq}`);
    await byQuery.waitFor((messages) => jobEvents(messages).length >= 3);
    expect(jobEvents(byQuery.messages).map((event) => event.jobId)).toEqual([...ids.slice(1), four]);
  });

  it('filters by job id, queue and task, and moves a filtered client past the events it left out', async () => {
    const server = await serverWithGreet(store);
    const wanted = await enqueueGreet(server, 'wanted');
    const byJob = await subscribe(server, `?jobId=${wanted}`, { 'last-event-id': '0' });
    const byQueue = await subscribe(server, '?queue=mail', { 'last-event-id': '0' });
    const byTask = await subscribe(server, '?task=fixture.greet', { 'last-event-id': '0' });
    await enqueueGreet(server, 'other');
    const mail = await server.request('POST', '/jobs', { body: { task: 'email.send', input: { to: 'a@example.com', subject: 'hi' } } });
    expect(mail.status).toBe(201);
    const { latestSeq } = await server.conveyor.store.events.bounds();

    for (const stream of [byJob, byQueue, byTask]) await stream.waitFor(() => stream.lastEventId() === latestSeq);
    expect(jobEvents(byJob.messages).map((event) => event.jobId)).toEqual([wanted]);
    expect(jobEvents(byQueue.messages).map((event) => event.task)).toEqual(['email.send']);
    expect(jobEvents(byTask.messages).map((event) => event.task)).toEqual(['fixture.greet', 'fixture.greet']);
  });

  it('tells a client whose Last-Event-ID is past the retention to refetch, then goes on from the oldest event kept', async () => {
    const server = await serverWithGreet(store);
    const stale = await enqueueGreet(server, 'stale');
    await server.conveyor.store.events.prune({ before: new Date(Date.now() + 60_000), limit: 100 });
    const kept = await enqueueGreet(server, 'kept');
    expect(stale).not.toBe(kept);
    const stream = await subscribe(server, '', { 'last-event-id': '0' });
    await stream.waitFor((messages) => jobEvents(messages).length === 1);
    const kinds = stream.messages.map((message) => message.event);
    expect(kinds).toEqual(['ready', 'reset', 'job']);
    expect(JSON.parse(stream.messages[1]!.data).reason).toMatch(/past the event retention/);
    expect(jobEvents(stream.messages)[0]!.jobId).toBe(kept);
  });

  it('refuses a malformed Last-Event-ID or filter with 400 in the error shape, and a missing token with 401', async () => {
    const server = await serverWithGreet(store);
    const badHeader = await server.request('GET', '/events', { headers: { 'last-event-id': 'abc' } });
    expect(badHeader.status).toBe(400);
    const headerError = (await errorJson(badHeader)).error;
    expect(headerError.details).toEqual([{ path: 'header.Last-Event-ID', message: 'must be an event id (digits)' }]);
    const badQuery = await server.request('GET', '/events?jobId=x1');
    expect(badQuery.status).toBe(400);
    const queryError = (await errorJson(badQuery)).error;
    expect(queryError.details?.[0]?.path).toBe('query.jobId');
    // The header, checked by hand, is refused in the same words as a query the schema refuses.
    expect(queryError).toEqual({ code: 'invalid_request', message: 'Invalid request: query.jobId: must be a job id (digits)', details: [{ path: 'query.jobId', message: 'must be a job id (digits)' }] });
    expect(headerError).toEqual({ code: 'invalid_request', message: 'Invalid request: header.Last-Event-ID: must be an event id (digits)', details: headerError.details });
    const anonymous = await server.request('GET', '/events', { token: null });
    expect(anonymous.status).toBe(401);
  });
});
