/** `conveyor schedules list|pause|resume`: the cron schedules in the store, and stopping or restarting one. */
import { Command } from 'commander';
import type { Conveyor } from '../conveyor.js';
import { NEVER } from '../schedule/fire-plan.js';
import type { ScheduleRecord } from '../store/store.js';
import { notFoundIn } from './not-found.js';
import { withCliConveyor } from './store.js';
import { formatTable, formatTime, oneLine, print } from './table.js';

export function schedulesCommand(): Command {
  return new Command('schedules')
    .description('list, pause and resume cron schedules (workers fire them)')
    .addCommand(
      new Command('list')
        .description('print every stored schedule: its cron, task, state, next and last tick, and the error that last kept it from firing')
        .option('--json', 'print the schedules as JSON')
        .action(async (options: { json?: boolean }, command: Command) => {
          await withCliConveyor(command, async (conveyor) => {
            const schedules = await conveyor.schedules.list();
            if (options.json === true) return print(JSON.stringify(schedules, null, 2));
            print(schedules.length === 0 ? 'no schedules; define them with defineSchedule and pass them to Conveyor.open({ schedules })' : formatSchedules(schedules));
          });
        }),
    )
    .addCommand(changeCommand('pause', 'stop a schedule from firing, in every process, until resumed', (conveyor, name) => conveyor.schedules.pause(name)))
    .addCommand(changeCommand('resume', 'let a paused schedule fire again from its next tick (ticks missed while paused are not enqueued)', (conveyor, name) => conveyor.schedules.resume(name)));
}

function changeCommand(verb: string, description: string, change: (conveyor: Conveyor, name: string) => Promise<ScheduleRecord>): Command {
  return new Command(verb)
    .description(description)
    .argument('<name>', 'schedule name, as in defineSchedule({ name })')
    .option('--json', 'print the schedule as JSON')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      await withCliConveyor(command, async (conveyor, url) => {
        const schedule = await notFoundIn(url, () => change(conveyor, name));
        print(options.json === true ? JSON.stringify(schedule, null, 2) : `${schedule.name}: ${scheduleState(schedule)}`);
      });
    });
}

function scheduleState(schedule: ScheduleRecord): string {
  if (schedule.pausedAt !== null) return `paused since ${formatTime(schedule.pausedAt)} UTC`;
  return schedule.nextRunAt.getTime() === NEVER.getTime() ? 'active, no tick left' : `active, next tick ${formatTime(schedule.nextRunAt)} UTC`;
}

function formatSchedules(schedules: readonly ScheduleRecord[]): string {
  const table = formatTable(
    ['NAME', 'CRON', 'TIME ZONE', 'TASK', 'STATE', 'NEXT (UTC)', 'LAST (UTC)'],
    schedules.map((schedule) => [
      schedule.name,
      schedule.cron,
      schedule.timeZone,
      schedule.task,
      schedule.pausedAt === null ? 'active' : 'paused',
      schedule.pausedAt !== null || schedule.nextRunAt.getTime() === NEVER.getTime() ? '-' : formatTime(schedule.nextRunAt),
      formatTime(schedule.lastRunAt),
    ]),
  );
  const errors = schedules.flatMap(({ name, lastError }) =>
    lastError === null ? [] : [`${name} last failed to fire at ${formatTime(lastError.at)} UTC: ${oneLine(lastError.message, 200)}`],
  );
  return [table, ...errors].join('\n');
}
