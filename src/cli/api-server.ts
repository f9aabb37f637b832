/**
 * What `conveyor serve` and `conveyor dev` share: open Conveyor on the command's store, serve the
 * HTTP API (job routes, /health, /ready, /metrics) with one `ConveyorMetrics` and the dashboard at
 * `/`, run the command's own part, then close the server and the store in that order, whatever
 * happened.
 */
import type { Command } from 'commander';
import type { Conveyor } from '../conveyor.js';
import { dashboardRoutes } from '../dashboard/dashboard-routes.js';
import { createServerApp } from '../server/app.js';
import {
  API_RATE_LIMIT_SETTING,
  AUTH_FAILURE_LIMIT_SETTING,
  EVENT_STREAMS_PER_TOKEN_SETTING,
  parseAuthFailureLimit,
  parseEnqueueRateLimit,
  parseEventStreamsPerToken,
} from '../server/config.js';
import { healthRoutes } from '../server/health.js';
import { startServer, type RunningServer } from '../server/listen.js';
import { DEFAULT_MAX_STREAMS_PER_TOKEN } from '../server/routes/events.js';
import { resolveServerLimits } from '../server/server-limits.js';
import { ConveyorMetrics, metricsRoutes } from '../server/metrics.js';
import type { EventDefinition } from '../step.js';
import type { Task } from '../task.js';
import { openCliConveyor } from './store.js';

export interface ApiServerOptions {
  tasks: Task[];
  /** Events `POST /events/{name}` accepts (the tasks module's). @default none */
  events?: EventDefinition[];
  tokens: string[];
  port: number;
  host: string;
  /** The store URL when neither --store nor CONVEYOR_STORE gives one. @default the CLI's default */
  defaultStoreUrl?: string;
}

export interface ApiServerSession {
  conveyor: Conveyor;
  /** The store URL, password redacted. */
  storeUrl: string;
  server: RunningServer;
  /** Pass workers of this process to `metrics.observeWorker` so /metrics counts their attempts. */
  metrics: ConveyorMetrics;
}

/** Serve the API while `run` runs; resolves after the server and the store are closed. */
export async function withApiServer(command: Command, options: ApiServerOptions, run: (session: ApiServerSession) => Promise<void>): Promise<void> {
  // Read before anything opens, so a bad value stops the command before it touches the store.
  const enqueueRateLimit = parseEnqueueRateLimit(process.env[API_RATE_LIMIT_SETTING]);
  const authFailureLimit = parseAuthFailureLimit(process.env[AUTH_FAILURE_LIMIT_SETTING]);
  const maxStreamsPerToken = parseEventStreamsPerToken(process.env[EVENT_STREAMS_PER_TOKEN_SETTING], DEFAULT_MAX_STREAMS_PER_TOKEN);
  const limits = resolveServerLimits(process.env);
  const { conveyor, url: storeUrl } = await openCliConveyor(command, { tasks: options.tasks, events: options.events }, options.defaultStoreUrl);
  try {
    const metrics = new ConveyorMetrics(conveyor);
    const app = createServerApp({
      deps: { conveyor, logger: conveyor.logger, onEnqueued: (results) => metrics.recordEnqueued(results) },
      tokens: options.tokens,
      enqueueRateLimit,
      authFailureLimit,
      events: { maxStreamsPerToken },
      extraRoutes: [healthRoutes, (deps) => metricsRoutes(deps, metrics), dashboardRoutes],
    });
    const server = await startServer({ app, port: options.port, host: options.host, limits });
    try {
      await run({ conveyor, storeUrl, server, metrics });
    } finally {
      await server.close();
    }
  } finally {
    await conveyor.close();
  }
}
