/**
 * `conveyor dev` (what `npm start` runs): the HTTP API and a worker in one process, on a SQLite file,
 * serving the quick start's example tasks unless `--tasks` names a module. Without
 * CONVEYOR_API_TOKENS it makes a token for the run and prints it with the URLs, so a first `curl`
 * works without any setup.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { ARTIFACT_SIGNING_KEY_SETTING, PUBLIC_URL_SETTING } from '../artifacts/env.js';
import { ConveyorConfigError } from '../errors.js';
import type { Job } from '../job.js';
import { API_TOKENS_SETTING, parseApiTokens } from '../server/config.js';
import type { JobStateUpdate } from '../store/store.js';
import { withApiServer } from './api-server.js';
import { loadTaskModule, type TaskModule } from './load-tasks.js';
import { integerOption } from './parse-options.js';
import { nextStopSignal } from './worker.js';

/** The same relative path from src/cli and dist/cli; the examples ship with the repository, not the package. */
export const EXAMPLE_TASKS = fileURLToPath(new URL('../../examples/quickstart/tasks.ts', import.meta.url));
export const DEV_STORE_URL = 'sqlite:./.conveyor/dev.db';

interface DevCommandOptions {
  port: number;
  host: string;
  tasks?: string;
  concurrency: number;
}

export function devCommand(): Command {
  return new Command('dev')
    .description(
      `the HTTP API and a worker in one process until SIGINT/SIGTERM, on ${DEV_STORE_URL} unless --store or $CONVEYOR_STORE; ` +
        `prints a generated bearer token when $${API_TOKENS_SETTING} is unset`,
    )
    .option('--tasks <module>', 'file exporting the tasks to serve and run (default: the quick start examples, examples/quickstart/tasks.ts)')
    .option('--port <n>', 'TCP port; 0 picks a free one', integerOption('8080'), 8080)
    .option('--host <address>', 'address to listen on; 0.0.0.0 for every interface', '127.0.0.1')
    .option('--concurrency <n>', 'jobs the worker runs at once', integerOption('4'), 4)
    .action(async (options: DevCommandOptions, command: Command) => {
      const configured = process.env[API_TOKENS_SETTING];
      const generated = configured === undefined || configured.trim() === '';
      const tokens = generated ? [randomBytes(24).toString('base64url')] : parseApiTokens(configured);
      const module = await loadDevTasks(options.tasks);
      const linkKeyGenerated = useDevArtifactLinks(options);
      const stopRequested = nextStopSignal();
      const serverOptions = { tasks: module.tasks, events: module.events, tokens, port: options.port, host: options.host, defaultStoreUrl: DEV_STORE_URL };
      await withApiServer(command, serverOptions, async ({ conveyor, server, storeUrl, metrics }) => {
        const worker = conveyor.createWorker({ tasks: module.tasks, resources: module.resources, concurrency: options.concurrency });
        const stopObserving = metrics.observeWorker(worker);
        worker.on('job-settled', (job, update) => process.stdout.write(`${describeSettled(job, update)}\n`));
        try {
          await worker.start();
          const token = generated ? tokens[0]! : undefined;
          process.stdout.write(startBanner({ url: server.url, token, storeUrl, module, workerTasks: worker.taskNamesServed, concurrency: worker.concurrency, linkKeyGenerated }));
          const signal = await stopRequested;
          process.stderr.write(`${signal}: stopping after in-flight jobs and requests finish (signal again to exit at once)\n`);
        } finally {
          await worker.stop();
          stopObserving();
        }
      });
      process.stdout.write('conveyor dev stopped\n');
    });
}

/**
 * Signed artifact download links work out of the box in dev: without CONVEYOR_ARTIFACT_SIGNING_KEY a
 * key is made for the run (links die with it), and links start with the address dev listens on
 * unless CONVEYOR_PUBLIC_URL says otherwise. Returns whether the key was made here.
 */
function useDevArtifactLinks(options: Pick<DevCommandOptions, 'host' | 'port'>): boolean {
  const generated = (process.env[ARTIFACT_SIGNING_KEY_SETTING] ?? '').trim() === '';
  if (generated) process.env[ARTIFACT_SIGNING_KEY_SETTING] = randomBytes(32).toString('hex');
  if ((process.env[PUBLIC_URL_SETTING] ?? '').trim() === '' && options.port !== 0) {
    const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
    process.env[PUBLIC_URL_SETTING] = `http://${host}:${options.port}`;
  }
  return generated;
}

async function loadDevTasks(specifier: string | undefined): Promise<TaskModule> {
  if (specifier !== undefined) return loadTaskModule(specifier);
  if (!existsSync(EXAMPLE_TASKS)) {
    throw new ConveyorConfigError('--tasks', 'was not given, and the example tasks (examples/quickstart/tasks.ts) ship with the repository, not the package', '--tasks src/tasks.ts');
  }
  return loadTaskModule(EXAMPLE_TASKS);
}

interface BannerFacts {
  url: string;
  /** The generated token; undefined when tokens come from the environment (never echoed). */
  token: string | undefined;
  storeUrl: string;
  module: TaskModule;
  workerTasks: readonly string[];
  concurrency: number;
  /** Whether the artifact link key was made for this run. */
  linkKeyGenerated: boolean;
}

function startBanner({ url, token, storeUrl, module, workerTasks, concurrency, linkKeyGenerated }: BannerFacts): string {
  const from = module.specifier === EXAMPLE_TASKS ? 'the quick start examples' : module.specifier;
  const bearer = token ?? `<a token from $${API_TOKENS_SETTING}>`;
  const lines = [
    `conveyor dev: API on ${url}/, worker running [${workerTasks.join(', ')}] (${from}) with concurrency ${concurrency}, store ${storeUrl}`,
    token === undefined ? `  token:     from $${API_TOKENS_SETTING}` : `  token:     ${token} (made for this run; set $${API_TOKENS_SETTING} to choose your own)`,
    `  dashboard: ${url}/ (log in with the token)`,
    `  events:    ${url}/events (Server-Sent Events of every job change)`,
    `  OpenAPI:   ${url}/openapi.json`,
    `  health:    ${url}/health (no token needed)`,
    `  readiness: ${url}/ready`,
    `  metrics:   ${url}/metrics`,
    `  links:     signed artifact download links ${linkKeyGenerated ? `signed with a key made for this run (set $${ARTIFACT_SIGNING_KEY_SETTING} to keep links valid across runs)` : `signed with $${ARTIFACT_SIGNING_KEY_SETTING}`}`,
  ];
  if (module.specifier === EXAMPLE_TASKS) {
    const input = JSON.stringify({ task: 'email.welcome', input: { to: 'ada@example.com', name: 'Ada' } });
    lines.push(`  try:       curl -s ${url}/jobs -H 'Authorization: Bearer ${bearer}' -H 'Content-Type: application/json' -d '${input}'`);
  }
  lines.push('Ctrl-C to stop');
  return `${lines.join('\n')}\n`;
}

/** One line per attempt the worker finished, so the terminal shows the jobs the API enqueued running. */
function describeSettled(job: Job, update: JobStateUpdate | null): string {
  const name = `job ${job.id} ${job.task} attempt ${job.attempt}/${job.maxAttempts}`;
  if (update === null) return `${name}: lease lost; another worker took it over`;
  if (update.kind === 'failed' || update.kind === 'dead') return `${name}: ${update.kind}: ${update.error.message}`;
  return `${name}: ${update.kind}`;
}

