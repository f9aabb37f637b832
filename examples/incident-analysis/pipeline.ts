/**
 * Starting the pipeline's processes, shared by `run.ts` and the test: N ingestion API processes and
 * Conveyor's own worker command running `tasks.ts`. Each function waits until its process says it is
 * ready, and fails with that process's output when it does not.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess, ProcessGroup } from './processes.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INGEST_PROCESS = fileURLToPath(new URL('./ingest-process.ts', import.meta.url));
const TASKS_MODULE = fileURLToPath(new URL('./tasks.ts', import.meta.url));
const CLI_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** What every process of a run shares: where Conveyor's store and the example's tables are. */
export interface PipelineEnv {
  conveyorStore: string;
  databaseUrl: string;
  schema: string;
  /** `INCIDENT_SETTLE_MS` for the ingestion processes. */
  settleMs: number;
}

function childEnv(pipeline: PipelineEnv, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    CONVEYOR_STORE: pipeline.conveyorStore,
    INCIDENT_DATABASE_URL: pipeline.databaseUrl,
    INCIDENT_SCHEMA: pipeline.schema,
    INCIDENT_SETTLE_MS: String(pipeline.settleMs),
    CONVEYOR_LOG_LEVEL: process.env.CONVEYOR_LOG_LEVEL ?? 'warn',
    ...extra,
  };
}

/** Told each line a started process prints, with the process's name. */
export type LineListener = (name: string, line: string, stream: 'stdout' | 'stderr') => void;

export interface IngestEndpoint {
  name: string;
  url: string;
  process: ManagedProcess;
}

/**
 * Start `ports.length` ingestion processes (`ingest-1`, `ingest-2`, …), port 0 meaning any free one,
 * and resolve once each listens.
 */
export async function startIngestProcesses(
  group: ProcessGroup,
  pipeline: PipelineEnv,
  ports: number[],
  onLine?: LineListener,
): Promise<IngestEndpoint[]> {
  const started = ports.map((port, index) => {
    const name = `ingest-${index + 1}`;
    const child = group.start({
      name,
      args: ['--import', 'tsx', INGEST_PROCESS],
      cwd: REPO_ROOT,
      env: childEnv(pipeline, { INGEST_NAME: name, INGEST_PORT: String(port) }),
      onLine: onLine && ((line, stream) => onLine(name, line, stream)),
    });
    return { name, child };
  });
  return Promise.all(
    started.map(async ({ name, child }) => {
      const [, url] = await child.waitForLine(/listening on (http:\/\/\S+)/, 30_000);
      return { name, url: url!, process: child };
    }),
  );
}

export interface WorkerOptions {
  /** `--lease-ms`: how soon another worker takes over the jobs of one that died. */
  leaseMs?: number;
  concurrency?: number;
  /** `INCIDENT_PAUSE_AFTER` (see `tasks.ts`). */
  pauseAfter?: string;
  name?: string;
  onLine?: LineListener;
}

/**
 * Start `conveyor worker examples/incident-analysis/tasks.ts` from the built package (dist/), and
 * resolve once it serves its queue.
 */
export async function startWorker(group: ProcessGroup, pipeline: PipelineEnv, options: WorkerOptions = {}): Promise<ManagedProcess> {
  if (!existsSync(CLI_MAIN)) {
    throw new Error(`${CLI_MAIN} is missing: run \`npm run build\` in ${REPO_ROOT} first (the worker is Conveyor's own \`conveyor worker\` command, from dist/)`);
  }
  const leaseMs = options.leaseMs ?? 30_000;
  // The heartbeat must stay under half the lease; a fifth leaves room for a slow machine.
  const heartbeatMs = Math.min(2_000, Math.floor(leaseMs / 5));
  const args = [CLI_MAIN, 'worker', TASKS_MODULE, '--store', pipeline.conveyorStore, '--lease-ms', String(leaseMs), '--heartbeat-ms', String(heartbeatMs)];
  args.push('--concurrency', String(options.concurrency ?? 4));
  const name = options.name ?? 'worker';
  const { onLine } = options;
  const child = group.start({
    name,
    args,
    cwd: REPO_ROOT,
    env: childEnv(pipeline, { INCIDENT_PAUSE_AFTER: options.pauseAfter }),
    onLine: onLine && ((line, stream) => onLine(name, line, stream)),
  });
  await child.waitForLine(/^conveyor worker \S+ serving/, 30_000);
  return child;
}
