/**
 * The CLI verbs of durable steps, run for real as child processes on a fresh SQLite file: a worker
 * runs a job through a step, a sleep and a wait; `status` prints its steps; `send-event` refuses a
 * payload the module's event schema fails (nothing resumed), then resumes the job and prints it;
 * `serve` declares the module's events for `POST /events/{name}`.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Conveyor } from '../conveyor.js';
import { cli, startCli } from './fixtures/run.js';
import { createTestStore, type TestStore } from './fixtures/store-dir.js';

const STEP_TASKS = fileURLToPath(new URL('./fixtures/step-tasks.ts', import.meta.url));
const TOKEN = 'cli-steps-token-0123456789abcdef';

let testStore: TestStore;
let store: string[];

beforeEach(() => {
  testStore = createTestStore('conveyor-cli-steps-');
  store = testStore.args;
});

afterEach(() => testStore.remove());

const withConveyor = <T>(use: (conveyor: Conveyor) => Promise<T>): Promise<T> => testStore.withConveyor(use);

describe('conveyor send-event and status with durable steps', () => {
  it('status prints the steps; send-event refuses a bad payload, then resumes the waiting job and names it', async () => {
    const worker = startCli([...store, 'worker', STEP_TASKS, '--poll-ms', '20']);
    await worker.waitForStdout('Ctrl-C to stop');
    const enqueued = await cli([...store, 'enqueue', 'exports.approve', '{"exportId":42}', '--tasks', STEP_TASKS]);
    const id = /enqueued job (\d+)/.exec(enqueued.stdout)?.[1];
    expect(id, enqueued.stderr).toBeDefined();
    await vi.waitFor(
      async () => expect((await withConveyor((conveyor) => conveyor.listSteps(id!))).find((step) => step.name === 'approval')?.status).toBe('waiting'),
      { timeout: 15_000, interval: 50 },
    );

    const status = await cli([...store, 'status', id!]);
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toMatch(/^  state {6}scheduled$/m);
    expect(status.stdout).toMatch(/^ {2}steps \(3\)\n {4}name {8}kind {3}status {5}attempt {2}took +until \/ event \/ error$/m);
    expect(status.stdout).toMatch(/^ {4}count-rows {2}run {4}succeeded {2}1 {8}[\d.]+ m?s$/m);
    expect(status.stdout).toMatch(/^ {4}cool-down {3}sleep {2}succeeded {2}1 {8}[\d.]+ m?s +until \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    expect(status.stdout).toMatch(/^ {4}approval {4}wait {3}waiting {4}1 {8}- +event export\.approved \{"exportId":42\}, deadline \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    const statusJson = JSON.parse((await cli([...store, 'status', id!, '--json'])).stdout) as { state: string; steps: Array<Record<string, unknown>> };
    expect(statusJson.steps.map((step) => [step.name, step.kind, step.status])).toEqual([
      ['count-rows', 'run', 'succeeded'],
      ['cool-down', 'sleep', 'succeeded'],
      ['approval', 'wait', 'waiting'],
    ]);
    expect(statusJson.steps[0]).not.toHaveProperty('output');

    const refused = await cli([...store, 'send-event', 'export.approved', '{"exportId":"forty-two"}', '--tasks', STEP_TASKS]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: Invalid payload for event "export\.approved": .*exportId: .*by: /);
    expect(await withConveyor(async (conveyor) => (await conveyor.getJob(id!))?.state)).toBe('scheduled');

    const sent = await cli([...store, 'send-event', 'export.approved', '{"exportId":42,"by":"ada"}', '--tasks', STEP_TASKS]);
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    expect(sent.stdout).toMatch(new RegExp(`^sent event "export\\.approved" \\(seq \\d+\\): resumed 1 job\\(s\\): ${id}\\n$`));
    const done = await withConveyor((conveyor) => conveyor.waitFor(id!, { timeoutMs: 15_000 }));
    expect(done).toMatchObject({ state: 'succeeded', result: '3 rows approved by ada' });

    const again = await cli([...store, 'send-event', 'export.approved', '{"exportId":42,"by":"ada"}', '--tasks', STEP_TASKS, '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ seq: expect.stringMatching(/^\d+$/), resolvedJobIds: [] });
    worker.child.kill('SIGTERM');
    expect((await worker.finished).code).toBe(0);
  });

  it('send-event sends an event the module does not declare unchecked, with a note; without --tasks, silently', async () => {
    const undeclared = await cli([...store, 'send-event', 'invoice.paid', '{"anything":true}', '--tasks', STEP_TASKS]);
    expect(undeclared.code).toBe(0);
    expect(undeclared.stderr).toBe(`note: ${STEP_TASKS} declares no event "invoice.paid" (it declares "export.approved", "export.cancelled"); sending it without a payload check\n`);
    expect(undeclared.stdout).toMatch(/^sent event "invoice\.paid" \(seq \d+\): no job was waiting for it; /);
    const bare = await cli([...store, 'send-event', 'export.approved', '{"exportId":"unchecked"}']);
    expect(bare).toMatchObject({ code: 0, stderr: '' });
    const badJson = await cli([...store, 'send-event', 'export.approved', '{exportId:1}']);
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toMatch(/^error: <json>: is not valid JSON/);
  });

  it('serve declares the module’s events: POST /events/{name} checks them and 404s the rest', async () => {
    const running = startCli([...store, 'serve', '--tasks', STEP_TASKS, '--port', '0'], { CONVEYOR_API_TOKENS: TOKEN });
    const stdout = await running.waitForStdout('Ctrl-C to stop');
    expect(stdout).toContain('with 1 task(s) and 2 event(s)');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    const post = (name: string, body: unknown) =>
      fetch(`${url}/events/${name}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('export.cancelled', { exportId: 1 })).status).toBe(200);
    const invalid = await post('export.approved', { exportId: 1 });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { details: Array<{ path: string }> } }).error.details.map((detail) => detail.path)).toEqual(['by']);
    const unknown = await post('export.rejected', {});
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe('No event "export.rejected": this server declares only "export.approved", "export.cancelled".');
    running.child.kill('SIGTERM');
    expect((await running.finished).code).toBe(0);
  });
});
