/** `conveyor failures` lists failed and dead jobs grouped by error fingerprint; `conveyor failures retry <fingerprint>` retries a group. */
import { Command } from 'commander';
import { ConveyorConfigError, ConveyorNotFoundError } from '../errors.js';
import { DEFAULT_FAILURE_SCAN_LIMIT, type FailureGroup } from '../insights/failure-groups.js';
import { withCliConveyor } from './store.js';
import { formatTime, oneLine, print } from './table.js';

export function failuresCommand(): Command {
  return new Command('failures')
    .description(`failed and dead jobs grouped by the fingerprint of their latest error biggest group first`)
    .option('--json', 'print the groups as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withCliConveyor(command, async (conveyor) => {
        const report = await conveyor.insights.failureGroups();
        if (options.json === true) return print(JSON.stringify(report, null, 2));
        const lines = report.groups.length === 0 ? ['no failed or dead jobs'] : report.groups.map(formatGroup);
        if (report.capped) lines.push(`${report.scanned.toLocaleString('en-US')} failed and dead jobs counted; more failed before this version kept fingerprints: run again to count the next ${report.limit.toLocaleString('en-US')}`);
        print(lines.join('\n'));
      });
    })
    .addCommand(
      new Command('retry')
        .description('queue again, now, every failed or dead job of a group, one by one')
        .argument('<fingerprint>', 'the 16 hex characters `conveyor failures` prints first on a group', fingerprintArgument)
        .option('--json', 'print the result as JSON')
        .action(async (fingerprint: string, options: { json?: boolean }, command: Command) => {
          await withCliConveyor(command, async (conveyor) => {
            const result = await conveyor.insights.retryFailureGroup(fingerprint);
            if (result.matched === 0) {
              throw new ConveyorNotFoundError(
                `No failed or dead job has an error with fingerprint ${fingerprint} among the newest ${DEFAULT_FAILURE_SCAN_LIMIT.toLocaleString('en-US')}; list the groups with \`conveyor failures\``,
              );
            }
            if (options.json === true) return print(JSON.stringify(result, null, 2));
            const lines = [`retried ${result.retried.length} of ${result.matched} job(s) of group ${fingerprint}`];
            for (const failure of result.failed) lines.push(`  job ${failure.id} not retried (${failure.error.code}): ${failure.error.message}`);
            print(lines.join('\n'));
          });
        }),
    );
}

function fingerprintArgument(value: string): string {
  if (!/^[0-9a-f]{16}$/.test(value)) {
    throw new ConveyorConfigError('<fingerprint>', `must be the 16 hex characters \`conveyor failures\` prints first on a group, got ${JSON.stringify(value)}`, '3f9a0c1b2d4e5f60');
  }
  return value;
}

function formatGroup(group: FailureGroup): string {
  return [
    `${group.fingerprint}  ${group.count} job(s): ${group.failed} failed (retrying), ${group.dead} dead`,
    `  ${oneLine(`${group.type}: ${group.message}`, 200)}`,
    ...(group.topFrame === null ? [] : [`  at ${group.topFrame}`]),
    `  tasks ${group.tasks.join(', ')}; queues ${group.queues.join(', ')}`,
    `  first seen ${formatTime(group.firstSeenAt)}, last seen ${formatTime(group.lastSeenAt)} (UTC); newest: job ${group.sample.jobId}, "${oneLine(group.sample.message, 120)}"`,
  ].join('\n');
}
