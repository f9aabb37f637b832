/**
 * Preloaded into a worker process of `pg-profile.ts` (through NODE_OPTIONS): counts every statement
 * the process sends through node-pg, by kind, the claims that came back empty, the NOTIFYs it
 * received, and its own CPU time, from the bench's `start` message until the process exits. The
 * counts go to `$CONVEYOR_PROFILE_DIR/<pid>.json`, the pids of its server backends to `<pid>.pids`. Plain JS so it loads before tsx.
 */
import { createRequire } from 'node:module';
import { appendFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector';

const outDir = process.env.CONVEYOR_PROFILE_DIR;
/** Set: take a V8 CPU profile from `start` to `stop`, written as `<pid>.cpuprofile`. */
const cpuProfile = process.env.CONVEYOR_PROFILE_CPU === '1' && outDir !== undefined ? new Session() : null;
// The pg that Conveyor's src/ loads (the repository root's) and the bench's own copy, which the rivals load.
const clientClasses = new Set(
  ['../../package.json', '../package.json'].map((from) => createRequire(fileURLToPath(new URL(from, import.meta.url)))('pg').Client),
);

/** Statement kind by a fragment of its text; the first match wins. */
const KINDS = [
  ['claim', "SET state = 'running', attempt = job.attempt + 1"],
  ['outcome (set state if running)', 'FROM jsonb_to_recordset($1::jsonb) AS u'],
  ['notify queues', 'FROM unnest($1::text[]) AS queued(queue)'],
  ['lease extend', 'lease_expires_at = $2'],
  ['worker heartbeat', 'last_heartbeat_at'],
  ['limited queues list', 'concurrency_limit IS NOT NULL OR'],
  ['promote due', "state IN ('scheduled'"],
  ['begin', 'BEGIN'],
  ['commit', 'COMMIT'],
  ['rollback', 'ROLLBACK'],
  ['listen', 'LISTEN'],
];

let counting = false;
const counts = {};
const unknown = {};
let emptyClaims = 0;
let claimedRows = 0;
let notifications = 0;
let cpuAtStart = null;

function kindOf(text) {
  for (const [kind, fragment] of KINDS) if (text.includes(fragment)) return kind;
  const head = text.replace(/\s+/g, ' ').trim().slice(0, 70);
  unknown[head] = true;
  return `other: ${head}`;
}

function onResult(kind, result) {
  if (!counting || kind !== 'claim' || result == null) return;
  const rows = result.rows?.length ?? 0;
  claimedRows += rows;
  if (rows === 0) emptyClaims += 1;
}

for (const Client of clientClasses) patch(Client);

function patch(Client) {
const originalQuery = Client.prototype.query;
Client.prototype.query = function countedQuery(config, values, callback) {
  const text = typeof config === 'string' ? config : config?.text;
  if (typeof text !== 'string') return originalQuery.call(this, config, values, callback);
  const kind = kindOf(text);
  if (counting) counts[kind] = (counts[kind] ?? 0) + 1;
  if (typeof values === 'function') {
    const cb = values;
    return originalQuery.call(this, config, (error, result) => (onResult(kind, result), cb(error, result)));
  }
  if (typeof callback === 'function') {
    const cb = callback;
    return originalQuery.call(this, config, values, (error, result) => (onResult(kind, result), cb(error, result)));
  }
  if (typeof config === 'object' && typeof config.callback === 'function') {
    const cb = config.callback;
    config.callback = (error, result) => (onResult(kind, result), cb(error, result));
    return originalQuery.call(this, config, values, callback);
  }
  const answer = originalQuery.call(this, config, values, callback);
  if (answer && typeof answer.then === 'function') answer.then((result) => onResult(kind, result), () => undefined);
  return answer;
};

const originalEmit = Client.prototype.emit;
Client.prototype.emit = function countedEmit(event, ...args) {
  if (event === 'notification' && counting) notifications += 1;
  // The bench reads the CPU time of this process's server backends by their pids.
  if (event === 'connect' && outDir !== undefined && this.processID != null) appendFileSync(`${outDir}/${process.pid}.pids`, `${this.processID}\n`);
  return originalEmit.call(this, event, ...args);
};
}

process.on('message', (message) => {
  if (message?.type === 'start') {
    counting = true;
    cpuAtStart = process.cpuUsage();
    if (cpuProfile !== null) {
      cpuProfile.connect();
      cpuProfile.post('Profiler.enable', () => cpuProfile.post('Profiler.start'));
    }
  } else if (message?.type === 'stop' && cpuProfile !== null) {
    cpuProfile.post('Profiler.stop', (error, answer) => {
      if (error === null) writeFileSync(`${outDir}/${process.pid}.cpuprofile`, JSON.stringify(answer.profile));
    });
  }
});

process.on('exit', () => {
  if (outDir === undefined || cpuAtStart === null) return;
  const cpu = process.cpuUsage(cpuAtStart);
  writeFileSync(`${outDir}/${process.pid}.json`, JSON.stringify({ counts, emptyClaims, claimedRows, notifications, cpuMicros: cpu.user + cpu.system }));
});
