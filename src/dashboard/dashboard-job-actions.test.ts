/**
 * The job page's tools over real HTTP and a real SQLite store: a flow drawn as a tree with every node
 * linked and the page's job marked, and "Run now" for a scheduled job (refused, with a notice naming
 * the state, for a job that is not waiting for its time). The browser test clicks through the same.
 */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineTask } from '../task.js';
import { flowStep } from '../client/flows.js';
import { FLOW_TREE_LIMIT } from './pages/flow-tree.js';
import { flashOf } from './testing/dashboard-http.js';
import { buildExport, renderInvoice, sendEmail } from './testing/dashboard-server.js';
import { useLoggedInDashboard } from './testing/logged-in-dashboard.js';

const dashboard = useLoggedInDashboard();

/** The tree's nodes as (id, depth), in document order. */
function treeNodes(markup: string): Array<{ id: string; depth: number }> {
  const section = /<section class="panel" data-flow-tree>([\s\S]*?)<\/section>/.exec(markup)?.[1] ?? '';
  const nodes: Array<{ id: string; depth: number }> = [];
  let depth = 0;
  for (const match of section.matchAll(/<ul[^>]*>|<\/ul>|data-flow-node="(\d+)"/g)) {
    if (match[0].startsWith('</ul')) depth -= 1;
    else if (match[0].startsWith('<ul')) depth += 1;
    else nodes.push({ id: match[1] ?? '', depth });
  }
  return nodes;
}

describe('the job page of a flow job', () => {
  it('draws the flow as a tree: root first, children indented, each linked but the page job, which is marked', async () => {
    const flow = await dashboard.server.conveyor.flows.enqueue(
      flowStep(buildExport, { report: 'q3' }, { children: [flowStep(sendEmail, { to: 'a@example.com', subject: 'part' }, { children: [flowStep(renderInvoice, { customer: 'Leaf', amountCents: 1 })] }), flowStep(sendEmail, { to: 'b@example.com', subject: 'part' })] }),
    );
    const [root, middle, leaf, sibling] = flow.jobs.map((job) => job.id);
    const markup = await dashboard.http.page(`/dashboard/jobs/${leaf}`);
    expect(treeNodes(markup)).toEqual([
      { id: root, depth: 1 },
      { id: middle, depth: 2 },
      { id: leaf, depth: 3 },
      { id: sibling, depth: 2 },
    ]);
    for (const id of [root, middle, sibling]) expect(markup).toContain(`<a href="/dashboard/jobs/${id}">#${id}</a>`);
    expect(markup).not.toContain(`<a href="/dashboard/jobs/${leaf}">#${leaf}</a>`);
    expect(markup).toMatch(new RegExp(`data-flow-node="${leaf}" class="current" aria-current="true"`));
    expect(markup).toMatch(new RegExp(`data-flow-node="${root}">\\s*<span class="flow-node"><a href="/dashboard/jobs/${root}">#${root}</a> <code>export.build</code> <span class="state state-waiting" data-flow-state>waiting</span>`));
    expect(markup).not.toContain('data-flow-capped');
  });

  it('draws at most FLOW_TREE_LIMIT jobs of a larger flow and says there are more', async () => {
    const leaves = Array.from({ length: FLOW_TREE_LIMIT + 1 }, (_, index) => flowStep(sendEmail, { to: `fan${index}@example.com`, subject: 'fan-out' }));
    const flow = await dashboard.server.conveyor.flows.enqueue(flowStep(buildExport, { report: 'big' }, { children: leaves }));
    const markup = await dashboard.http.page(`/dashboard/jobs/${flow.id}`);
    expect(treeNodes(markup)).toHaveLength(FLOW_TREE_LIMIT);
    expect(markup).toContain('data-flow-capped');
    expect(markup).toContain(`(${FLOW_TREE_LIMIT}+ jobs)`);
  });

  it('draws no flow on the page of a job outside a flow', async () => {
    const { job } = await dashboard.server.conveyor.enqueue(sendEmail, { to: 'solo@example.com', subject: 'solo' });
    expect(await dashboard.http.page(`/dashboard/jobs/${job.id}`)).not.toContain('data-flow-tree');
  });

  it('offers Enqueue a copy only for a task the server knows (it checks the copy\'s input)', async () => {
    const known = await dashboard.server.conveyor.enqueue(sendEmail, { to: 'known@example.com', subject: 'known' });
    expect(await dashboard.http.page(`/dashboard/jobs/${known.job.id}`)).toContain('data-enqueue-copy');
    const [foreign] = await dashboard.server.conveyor.store.jobs.insertMany({
      jobs: [{ task: 'other.service.task', queue: 'elsewhere', input: { a: 1 }, priority: 0, runAt: new Date(), maxAttempts: 1, dedupKey: null, concurrencyKey: null, traceContext: null }],
      now: new Date(),
    });
    const markup = await dashboard.http.page(`/dashboard/jobs/${foreign?.job.id ?? ''}`);
    expect(markup).toContain('data-copy-from');
    expect(markup).not.toContain('data-enqueue-copy');
  });
});

describe('Run now on the job page', () => {
  it('queues a scheduled job at once and says so', async () => {
    const { job } = await dashboard.server.conveyor.enqueue(sendEmail, { to: 'later@example.com', subject: 'later' }, { delayMs: 3_600_000 });
    expect(await dashboard.http.page(`/dashboard/jobs/${job.id}`)).toContain('data-run-now');
    const response = await dashboard.http.post(`/dashboard/jobs/${job.id}/run-now`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/dashboard/jobs/${job.id}`);
    expect(flashOf(response)).toEqual({ kind: 'ok', text: `Job #${job.id} is queued to run now (attempt 1 of ${job.maxAttempts} next).` });
    const after = await dashboard.server.conveyor.getJob(job.id);
    expect(after?.state).toBe('queued');
    expect(after?.runAt.getTime()).toBeLessThan(job.runAt.getTime());
    expect(await dashboard.http.page(`/dashboard/jobs/${job.id}`)).not.toContain('data-run-now');
  });

  it('runs a failed job waiting out an hour of backoff now: its next attempt starts at once', async () => {
    let attempts = 0;
    const flaky = defineTask({
      name: 'flaky.later',
      queue: 'flaky',
      input: z.object({}),
      retry: { maxAttempts: 2, backoff: { initialMs: 3_600_000, maxMs: 3_600_000, jitter: 0 } },
      run: () => {
        attempts += 1;
        if (attempts === 1) throw new Error('upstream said no');
        return { ok: true };
      },
    });
    const worker = await dashboard.server.startWorker([flaky]);
    try {
      const { job } = await dashboard.server.conveyor.enqueue(flaky, {});
      await expect.poll(async () => (await dashboard.server.conveyor.getJob(job.id))?.state, { timeout: 10_000 }).toBe('failed');
      expect(await dashboard.http.page(`/dashboard/jobs/${job.id}`)).toContain('data-run-now');
      const response = await dashboard.http.post(`/dashboard/jobs/${job.id}/run-now`);
      expect(flashOf(response)).toEqual({ kind: 'ok', text: `Job #${job.id} is queued to run now (attempt 2 of 2 next).` });
      const done = await dashboard.server.conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: 'succeeded', attempt: 2, result: { ok: true } });
      expect(done.errors.map((error) => error.message)).toEqual(['upstream said no']);
    } finally {
      await worker.stop();
    }
  });

  it('refuses a job that is not waiting for its time, naming its state, and changes nothing', async () => {
    const { job } = await dashboard.server.conveyor.enqueue(sendEmail, { to: 'now@example.com', subject: 'now' });
    const response = await dashboard.http.post(`/dashboard/jobs/${job.id}/run-now`);
    expect(response.status).toBe(303);
    expect(flashOf(response)).toEqual({ kind: 'error', text: expect.stringContaining(`Job ${job.id} is queued; only scheduled and failed jobs`) });
    expect(await dashboard.server.conveyor.getJob(job.id)).toEqual(job);
    const missing = await dashboard.http.post('/dashboard/jobs/999999/run-now');
    expect(flashOf(missing)).toEqual({ kind: 'error', text: 'No job with id "999999"' });
  });
});
