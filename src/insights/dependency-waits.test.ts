import { describe, expect, it } from 'vitest';
import type { WorkerStatus } from '../conveyor.js';
import type { DependencyStatus } from '../store/store.js';
import { dependencyWait } from './dependency-waits.js';

const now = new Date('2026-12-04T08:00:00Z');
const scanner: DependencyStatus = { name: 'virus-scanner', target: 'tcp://clamd:3310', up: false, since: now, checkedAt: now, lastError: 'connect ECONNREFUSED', tasks: ['uploads.scan'] };

function worker(id: string, dependencies: DependencyStatus[], overrides: Partial<WorkerStatus> = {}): WorkerStatus {
  return { id, host: `${id}.internal`, pid: 1, queues: ['uploads'], tasks: ['uploads.scan'], concurrency: 1, startedAt: now, lastHeartbeatAt: now, handlersIgnoringAbort: [], dependencies, taskShapes: [], live: true, ...overrides };
}

const job = { task: 'uploads.scan', queue: 'uploads' };

describe('dependencyWait', () => {
  it('is blocked when every live worker serving the job finds a dependency of its task down', () => {
    const wait = dependencyWait(job, [worker('a', [scanner]), worker('b', [scanner]), worker('stalled', [], { live: false })]);
    expect(wait.blocked).toBe(true);
    expect(wait.holds.map((hold) => [hold.workerId, hold.dependency.name])).toEqual([['a', 'virus-scanner'], ['b', 'virus-scanner']]);
  });

  it('is not blocked while one serving worker reaches it, and ignores workers of other queues and dependencies of other tasks', () => {
    expect(dependencyWait(job, [worker('a', [scanner]), worker('b', [{ ...scanner, up: true, lastError: null }])])).toMatchObject({ blocked: false, holds: [{ workerId: 'a' }] });
    expect(dependencyWait(job, [worker('other-queue', [scanner], { queues: ['mail'] })])).toEqual({ blocked: false, holds: [] });
    expect(dependencyWait(job, [worker('a', [{ ...scanner, tasks: ['avatars.scan'] }])])).toEqual({ blocked: false, holds: [] });
  });
});
