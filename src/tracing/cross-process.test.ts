/**
 * A trace crosses processes through the store: this process (with the SDK) enqueues inside a span;
 * a real worker process with its own SDK (`fixtures/traced-worker-process.ts`) runs the job and
 * prints the spans it exported. Its attempt span must be in the producer's trace, with the
 * producer's span as its parent and its link.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Conveyor } from '../conveyor.js';
import { tracedTask } from '../testing/fixtures/traced-tasks.js';
import { describePostgres, freshTestSchema } from '../testing/postgres-env.js';
import { killHard, spawnFixture, type TestProcess } from '../testing/processes.js';
import { installTestTracing, type TestTracing } from '../testing/tracing-sdk.js';
import { silentLogger } from '../testing/worker-conformance/helpers.js';

interface ExportedSpan {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  links: Array<{ traceId: string; spanId: string }>;
  attributes: Record<string, unknown>;
}

function exportedSpans(worker: TestProcess): ExportedSpan[] {
  return worker.lines.filter((line) => line.startsWith('span ')).map((line) => JSON.parse(line.slice('span '.length)) as ExportedSpan);
}

function crossProcessTest(store: () => { storeUrl: string; destroy(): Promise<void> }): void {
  let tracing: TestTracing;
  let conveyor: Conveyor | undefined;
  let worker: TestProcess | undefined;
  let destroy: () => Promise<void>;
  let storeUrl: string;
  beforeEach(() => {
    ({ storeUrl, destroy } = store());
    tracing = installTestTracing();
  });
  afterEach(async () => {
    if (worker !== undefined) await killHard(worker);
    await conveyor?.close();
    await tracing.uninstall();
    await destroy();
  });

  it("the worker process's attempt span is a child of the producer process's enqueue span", async () => {
    conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
    const { job } = await trace.getTracer('app').startActiveSpan('POST /images', async (request) => {
      try {
        return await conveyor!.enqueue(tracedTask, { imageId: 'img-42' });
      } finally {
        request.end();
      }
    });
    const producer = tracing.span('send images');
    const { traceId, spanId } = producer.spanContext();

    worker = spawnFixture('traced-worker-process.ts', { STORE_URL: storeUrl });
    expect(await conveyor.waitFor(job.id, { timeoutMs: 20_000 })).toMatchObject({ state: 'succeeded', result: { size: 6 } });
    await worker.waitUntil(() => exportedSpans(worker!).some((span) => span.name === 'process images'));

    const spans = exportedSpans(worker);
    const consumer = spans.find((span) => span.name === 'process images')!;
    expect(consumer).toMatchObject({ kind: SpanKind.CONSUMER, traceId, parentSpanId: spanId, links: [{ traceId, spanId }] });
    expect(consumer.attributes).toMatchObject({ 'messaging.message.id': job.id, 'conveyor.task': 'traced.resize', 'conveyor.job.outcome': 'succeeded' });
    // The worker's other spans hang off its attempt span, all in the producer's trace.
    for (const name of ['step measure', 'resize pixels']) {
      expect(spans.find((span) => span.name === name), name).toMatchObject({ traceId, parentSpanId: consumer.spanId });
    }
  });
}

describe('tracing across processes: sqlite', () => {
  crossProcessTest(() => {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-cross-trace-'));
    return { storeUrl: `sqlite:${join(dir, 'conveyor.db')}`, destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  });
});

describePostgres('tracing across processes: postgres', () => {
  crossProcessTest(() => {
    const { storeUrl, drop } = freshTestSchema();
    return { storeUrl, destroy: drop };
  });
});
