/**
 * A worker process of the comparison, for any system: `worker-process.ts <system key> <location>
 * <concurrency> <environment json>`. It attaches to the state the bench created, connects, and says
 * `ready`; it starts its workers only on `start`, so the bench's clock never includes Node's boot.
 * Over IPC it reports how many jobs its handler has seen (and, for latency jobs, start − enqueue)
 * every few milliseconds, answers `rss` with its resident set size, and on `stop` stops and exits.
 */
import { wallClockMs } from '../postgres/jobs.js';
import type { ChildMessage, ParentMessage } from './fleet-messages.js';
import type { Environment, JobPayload, RunningWorkers } from './system.js';
import { loadSystem } from './systems.js';

/** How often handled counts go to the bench; the bench's own clock stops on the store, not on these. */
const REPORT_EVERY_MS = 5;

const [key, location, concurrencyText, environmentJson] = process.argv.slice(2);
if (key === undefined || location === undefined || concurrencyText === undefined || environmentJson === undefined) {
  throw new Error('usage: worker-process.ts <system key> <location> <concurrency> <environment json>');
}
function send(message: ChildMessage, then?: () => void): void {
  process.send!(message, undefined, {}, () => then?.());
}

const { definition } = await loadSystem(key);
const system = await definition.attach(JSON.parse(environmentJson) as Environment, location);

let handled = 0;
let reported = 0;
let latencies: number[] = [];
function onJob(payload: JobPayload): void {
  handled += 1;
  if (payload.enqueuedAt !== undefined && payload.n >= 0) latencies.push(wallClockMs() - payload.enqueuedAt);
}
function report(): void {
  if (handled === reported) return;
  send({ type: 'handled', count: handled - reported, latencies });
  reported = handled;
  latencies = [];
}

let workers: RunningWorkers | null = null;
const reporter = setInterval(report, REPORT_EVERY_MS);

process.on('message', (message: ParentMessage) => {
  void (async () => {
    if (message.type === 'start') {
      workers = await system.startWorkers(Number(concurrencyText), onJob);
    } else if (message.type === 'rss') {
      // Two collections: the second frees what finalizers of the first let go.
      globalThis.gc?.();
      globalThis.gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      send({ type: 'rss', rss, heapUsed });
    } else if (message.type === 'stop') {
      await workers?.stop();
      clearInterval(reporter);
      report();
      await system.close();
      // Some clients keep timers after close; the bench waits for this process to exit, so exit.
      send({ type: 'stopped' }, () => process.exit(0));
    }
  })().catch((error: unknown) => {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
});
send({ type: 'ready' });
