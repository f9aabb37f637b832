/**
 * The demo store's cron schedules, for the schedules page's screenshot: a nightly export, an hourly
 * webhook sweep in another time zone, and a paused weekly invoice run.
 */
import type { Conveyor } from '../../conveyor.js';
import { defineSchedule } from '../../schedule/define-schedule.js';
import { DEMO_TASKS } from './demo-seed.js';

function task(name: string) {
  const found = DEMO_TASKS.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`demo task ${name} is not among DEMO_TASKS`);
  return found;
}

export async function seedDemoSchedules(conveyor: Conveyor): Promise<void> {
  await conveyor.schedules.upsert(defineSchedule({ name: 'reports.nightly', task: task('report.export'), cron: '0 3 * * *', timeZone: 'Europe/Berlin', input: { format: 'csv' } }));
  await conveyor.schedules.upsert(defineSchedule({ name: 'webhooks.retry-sweep', task: task('webhook.deliver'), cron: '*/15 * * * *', input: { sweep: true } }));
  await conveyor.schedules.upsert(defineSchedule({ name: 'invoices.weekly', task: task('invoice.render'), cron: '0 6 * * 1', timeZone: 'America/New_York', input: { batch: 'weekly' } }));
  await conveyor.schedules.pause('invoices.weekly');
}
