import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineDependency, tcpDependency } from '../dependency.js';
import { defineTask, type Task } from '../task.js';
import { captureLogger } from '../testing/capture-logger.js';
import { DependencyMonitor } from './dependency-monitor.js';

function tasks(...list: Task[]): Map<string, Task> {
  return new Map(list.map((task) => [task.name, task]));
}

const task = (name: string, dependencies: Parameters<typeof defineTask>[0]['dependencies']) => defineTask({ name, input: z.object({}), dependencies, run: () => null });

describe('DependencyMonitor', () => {
  it('counts a check that never settles, even ignoring its signal, as down once its timeout passes, and one that throws as down with its error', async () => {
    const silent = defineDependency({ name: 'silent', timeoutMs: 100, intervalMs: 60_000, check: () => new Promise<void>(() => undefined) });
    const broken = defineDependency({ name: 'broken', timeoutMs: 100, intervalMs: 60_000, check: () => { throw new Error('no route to billing'); } });
    const monitor = new DependencyMonitor(tasks(task('a', [silent]), task('b', [broken])), [], captureLogger(), () => undefined);
    const started = Date.now();
    await monitor.start();
    monitor.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(monitor.statuses().map((status) => [status.name, status.up, status.lastError])).toEqual([
      ['silent', false, 'no answer within 100 ms'],
      ['broken', false, 'no route to billing'],
    ]);
    expect([...monitor.blockedTasks()].sort()).toEqual(['a', 'b']);
  });

  it('refuses one name for two services, naming both', () => {
    const first = task('uploads.scan', [tcpDependency('scanner', 'tcp://clamd:3310')]);
    const second = task('avatars.scan', [tcpDependency('scanner', 'tcp://clamd-2:3310')]);
    expect(() => new DependencyMonitor(tasks(first, second), [], captureLogger(), () => undefined)).toThrow(
      'dependency "scanner" of task "avatars.scan": is tcp://clamd-2:3310 here but tcp://clamd:3310 for tasks uploads.scan; one name is one service',
    );
  });
});
