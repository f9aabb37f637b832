/**
 * In-process signals between a Conveyor's client and the workers it created, so a worker in the same
 * process starts a new job (or aborts a cancelled one) at once instead of at its next poll.
 * Other processes learn the same facts from the store: through its notices where it has them
 * (`Store.noticeListen`: PostgreSQL's LISTEN/NOTIFY; SQLite's file change notices), else on their next poll or heartbeat.
 */
import { EventEmitter } from 'node:events';

export interface ConveyorEventMap {
  /** Jobs became runnable on these queues. */
  'jobs-available': [queues: string[]];
  /** Cancellation of a running job was requested. */
  'cancel-requested': [jobId: string];
  /** A job reached a final state through a worker of this process. */
  'job-finished': [jobId: string];
}

export class ConveyorEvents extends EventEmitter<ConveyorEventMap> {
  constructor() {
    super();
    // Every worker and every waitFor subscribes; many are normal.
    this.setMaxListeners(0);
  }
}
