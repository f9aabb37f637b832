/**
 * The raw floor of a worker in another process: it polls like Conveyor's worker does (claim up to
 * 10; if the batch was full claim again at once, else sleep the poll interval) and completes each
 * batch in one transaction. Prints `ready`; stops on SIGTERM.
 */
import { claimer, completer } from './raw-floor.js';
import { openRaw, POLL_INTERVAL_MS, sleep } from './shared.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: raw-poller-process.ts <database file>');
const db = openRaw(path);
const claim = claimer(db);
const complete = completer(db);
let running = true;
process.once('SIGTERM', () => (running = false));
process.stdout.write('ready\n');
while (running) {
  const jobs = claim(10);
  if (jobs.length > 0) complete(jobs);
  if (jobs.length < 10) await sleep(POLL_INTERVAL_MS);
}
db.close();
