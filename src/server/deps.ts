/**
 * What every part of the HTTP server is built from: one `Conveyor` (its client API and its store) and
 * a logger. Route modules export a function taking `ServerDeps` and returning a Hono app that
 * `createServerApp` mounts, so each can be tested on its own.
 */
import type { Conveyor } from '../conveyor.js';
import type { EnqueueResult } from '../client/enqueue.js';
import type { Logger } from '../logger.js';

export interface ServerDeps {
  conveyor: Conveyor;
  logger: Logger;
  /** Told of every enqueue the API committed (e.g. `ConveyorMetrics.recordEnqueued`). */
  onEnqueued?: (results: EnqueueResult[]) => void;
}
