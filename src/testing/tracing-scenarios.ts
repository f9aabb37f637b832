/**
 * OpenTelemetry traces through a real worker, with the real SDK (`tracing-sdk.ts`), on the store
 * each test file gives: the enqueue's PRODUCER span, each attempt's CONSUMER span as its child and
 * linked to it, attempt errors, durable steps and the handler's own spans nested under the attempt,
 * and the one producer span of a bulk enqueue or a flow.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chain, flowStep } from '../client/flows.js';
import { snooze } from '../handler-outcomes.js';
import { defineTask } from '../task.js';
import { installTestTracing, parentSpanId, type TestTracing } from './tracing-sdk.js';
import { useHarness } from './worker-conformance/helpers.js';
import type { WorkerHarnessFactory } from './worker-harness.js';

const NO_BACKOFF = { maxAttempts: 3, backoff: { initialMs: 0, jitter: 0 } };

/** The W3C traceparent of a span: what the job stores when nothing else was injected. */
function traceparentOf(span: ReadableSpan): string {
  const { traceId, spanId } = span.spanContext();
  return `00-${traceId}-${spanId}-01`;
}

function expectChildOf(child: ReadableSpan, parent: ReadableSpan): void {
  expect(child.spanContext().traceId, `${child.name} in the trace of ${parent.name}`).toBe(parent.spanContext().traceId);
  expect(parentSpanId(child), `${child.name}'s parent is ${parent.name}`).toBe(parent.spanContext().spanId);
}

export function tracingScenarios(createHarness: WorkerHarnessFactory): void {
  describe('OpenTelemetry traces', () => {
    const t = useHarness(createHarness);
    let tracing: TestTracing;
    beforeEach(() => {
      tracing = installTestTracing();
    });
    afterEach(async () => {
      await tracing.uninstall();
    });

    it('enqueue starts a producer span under the active span; the attempt is a consumer span, its child and linked to it', async () => {
      const task = defineTask({ name: 'mail.send', queue: 'mail', input: z.object({ to: z.string() }), run: async () => 'sent' });
      const conveyor = await t.open();
      const { job } = await trace.getTracer('app').startActiveSpan('POST /signup', async (request) => {
        try {
          return await conveyor.enqueue(task, { to: 'ada@example.com' });
        } finally {
          request.end();
        }
      });
      const producer = tracing.span('send mail');
      expectChildOf(producer, tracing.span('POST /signup'));
      expect(producer.kind).toBe(SpanKind.PRODUCER);
      expect(producer.attributes).toEqual({
        'messaging.system': 'conveyor',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': 'mail',
        'messaging.message.id': job.id,
        'conveyor.task': 'mail.send',
      });
      expect(job.traceContext).toBe(traceparentOf(producer));
      expect((await conveyor.getJob(job.id))?.traceContext).toBe(traceparentOf(producer));

      await t.startWorker(conveyor, { tasks: [task] });
      expect(await conveyor.waitFor(job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded' });
      const consumer = tracing.span('process mail');
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expectChildOf(consumer, producer);
      expect(consumer.links.map((link) => link.context.spanId)).toEqual([producer.spanContext().spanId]);
      expect(consumer.attributes).toEqual({
        'messaging.system': 'conveyor',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': 'mail',
        'messaging.message.id': job.id,
        'conveyor.task': 'mail.send',
        'conveyor.job.attempt': 1,
        'conveyor.job.outcome': 'succeeded',
      });
      expect(consumer.status.code).toBe(SpanStatusCode.UNSET);
    });

    it("an incoming request's tracestate travels with the job (stored as a JSON carrier) to the attempt's span", async () => {
      const task = defineTask({ name: 'with.state', input: z.object({}), run: async () => null });
      const conveyor = await t.open();
      // As an http instrumentation would make it from the request's headers.
      const incoming = propagation.extract(ROOT_CONTEXT, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=a1' });
      const { job } = await context.with(incoming, () => conveyor.enqueue(task, {}));
      const producer = tracing.span('send default');
      expect(producer.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(JSON.parse(job.traceContext ?? 'null')).toEqual({ traceparent: traceparentOf(producer), tracestate: 'vendor=a1' });
      await t.startWorker(conveyor, { tasks: [task] });
      await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      const consumer = tracing.span('process default');
      expectChildOf(consumer, producer);
      expect(consumer.spanContext().traceState?.serialize()).toBe('vendor=a1');
    });

    it('a failed attempt records its error; the retry is a second consumer span under the same producer', async () => {
      const task = defineTask({
        name: 'scan.file',
        input: z.object({}),
        retry: NO_BACKOFF,
        run: async (_input, ctx) => {
          if (ctx.job.attempt === 1) throw new TypeError('clamd refused the connection');
          return 'clean';
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [task] });
      const { job } = await conveyor.enqueue(task, {});
      expect(await conveyor.waitFor(job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', attempt: 2 });
      const producer = tracing.span('send default');
      const [failed, succeeded] = tracing.spans('process default');
      if (failed === undefined || succeeded === undefined) throw new Error('expected two attempt spans');
      for (const attempt of [failed, succeeded]) expectChildOf(attempt, producer);
      expect(failed.attributes).toMatchObject({ 'conveyor.job.attempt': 1, 'conveyor.job.outcome': 'failed', 'error.type': 'TypeError' });
      expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'clamd refused the connection' });
      expect(failed.events.map((event) => [event.name, event.attributes?.['exception.type'], event.attributes?.['exception.message']])).toEqual([
        ['exception', 'TypeError', 'clamd refused the connection'],
      ]);
      expect(succeeded.attributes).toMatchObject({ 'conveyor.job.attempt': 2, 'conveyor.job.outcome': 'succeeded' });
      expect(succeeded.status.code).toBe(SpanStatusCode.UNSET);
      expect(succeeded.events).toEqual([]);
    });

    it('a last failed attempt ends dead with status ERROR', async () => {
      const task = defineTask({ name: 'always.fails', input: z.object({}), retry: { maxAttempts: 1 }, run: async () => Promise.reject(new Error('no such upload')) });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [task] });
      const { job } = await conveyor.enqueue(task, {});
      expect(await conveyor.waitFor(job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'dead' });
      const consumer = tracing.span('process default');
      expect(consumer.attributes['conveyor.job.outcome']).toBe('dead');
      expect(consumer.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no such upload' });
    });

    it('a snooze is no error; a timeout fails the attempt with status ERROR and no exception', async () => {
      let snoozedOnce = false;
      const task = defineTask({
        name: 'slow.poll',
        input: z.object({}),
        retry: { maxAttempts: 1 },
        timeoutMs: 100,
        run: async (_input, ctx) => {
          if (!snoozedOnce) {
            snoozedOnce = true;
            throw snooze(1);
          }
          // Runs into its timeout, then returns once aborted.
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [task] });
      const { job } = await conveyor.enqueue(task, {});
      expect(await conveyor.waitFor(job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'dead' });
      const [snoozed, timedOut] = tracing.spans('process default');
      if (snoozed === undefined || timedOut === undefined) throw new Error(`expected two attempt spans: ${tracing.finished().map((s) => s.name).join(', ')}`);
      expect(snoozed.attributes['conveyor.job.outcome']).toBe('snoozed');
      expect(snoozed.status.code).toBe(SpanStatusCode.UNSET);
      expect(snoozed.events).toEqual([]);
      expect(timedOut.attributes['conveyor.job.outcome']).toBe('dead');
      expect(timedOut.status.code).toBe(SpanStatusCode.ERROR);
      expect(timedOut.status.message).toMatch(/100 ms|timed out|timeout/i);
      expect(timedOut.events).toEqual([]);
    });

    it('steps and the spans a handler starts nest under the attempt; a replayed step says so and does not run', async () => {
      const task = defineTask({
        name: 'export.build',
        input: z.object({}),
        retry: NO_BACKOFF,
        run: async (_input, ctx) => {
          const rows = await ctx.step('query', () => trace.getTracer('app').startActiveSpan('SELECT rows', (span) => (span.end(), 3)));
          await trace.getTracer('app').startActiveSpan('render', async (span) => span.end());
          if (ctx.job.attempt === 1) throw new Error('the bucket was not there yet');
          return rows;
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [task] });
      const { job } = await conveyor.enqueue(task, {});
      expect(await conveyor.waitFor(job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: 3 });
      const [first, second] = tracing.spans('process default');
      const [ran, replayed] = tracing.spans('step query');
      const [render1, render2] = tracing.spans('render');
      if (!first || !second || !ran || !replayed || !render1 || !render2) throw new Error(`missing spans: ${tracing.finished().map((s) => s.name).join(', ')}`);
      expectChildOf(ran, first);
      expectChildOf(replayed, second);
      expect(ran.kind).toBe(SpanKind.INTERNAL);
      expect(ran.attributes).toEqual({ 'conveyor.step.replayed': false });
      expect(replayed.attributes).toEqual({ 'conveyor.step.replayed': true });
      // The step's function ran once, on the first attempt, inside its step span.
      expectChildOf(tracing.span('SELECT rows'), ran);
      expectChildOf(render1, first);
      expectChildOf(render2, second);
    });

    it('enqueueMany and a flow each store all their jobs under one producer span', async () => {
      const leaf = defineTask({ name: 'flow.leaf', queue: 'work', input: z.object({ n: z.number() }), run: async (input) => input.n });
      const root = defineTask({ name: 'flow.root', queue: 'work', input: z.object({}), run: async (_input, ctx) => ctx.children.length });
      const conveyor = await t.open();
      const many = await conveyor.enqueueMany([
        { task: leaf, input: { n: 1 } },
        { task: leaf, input: { n: 2 } },
      ]);
      const batch = tracing.span('send work');
      expect(batch.attributes).toMatchObject({ 'messaging.batch.message_count': 2, 'conveyor.task': 'flow.leaf', 'messaging.destination.name': 'work' });
      expect(batch.attributes['messaging.message.id']).toBeUndefined();
      expect(many.map((result) => result.job.traceContext)).toEqual([traceparentOf(batch), traceparentOf(batch)]);

      const flow = await conveyor.flows.enqueue(chain(flowStep(leaf, { n: 3 }), flowStep(root, {})));
      const flowSpan = tracing.spans('send work')[1];
      if (flowSpan === undefined) throw new Error('expected the flow enqueue span');
      expect(flowSpan.attributes).toMatchObject({ 'messaging.batch.message_count': 2, 'conveyor.flow.id': flow.id });
      expect(flow.jobs.map((job) => job.traceContext)).toEqual([traceparentOf(flowSpan), traceparentOf(flowSpan)]);

      await t.startWorker(conveyor, { tasks: [leaf, root] });
      expect(await conveyor.waitFor(flow.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: 1 });
      for (const { job } of many) await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      const attempts = tracing.spans('process work');
      expect(attempts).toHaveLength(4);
      const byJob = new Map(attempts.map((span) => [span.attributes['messaging.message.id'], span]));
      for (const job of flow.jobs) expectChildOf(byJob.get(job.id)!, flowSpan);
      for (const { job } of many) expectChildOf(byJob.get(job.id)!, batch);
    });

    it('an enqueue that fails validation ends its span with the error, and stores nothing', async () => {
      const task = defineTask({ name: 'strict', input: z.object({ n: z.number() }), run: async () => null });
      const conveyor = await t.open();
      await expect(conveyor.enqueue(task, { n: 'one' } as never)).rejects.toThrow();
      const span = tracing.span('send');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('ConveyorValidationError');
      expect((await conveyor.listJobs()).jobs).toEqual([]);
    });
  });
}
