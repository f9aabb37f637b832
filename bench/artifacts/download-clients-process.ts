/**
 * 100 (or `concurrency`) clients downloading small artifacts over and over through
 * `GET /jobs/{id}/artifacts/{name}`, in their own process. Prints `ready` once each client has
 * finished one download; on SIGTERM prints what it downloaded and exits.
 * Usage: download-clients-process.ts <server url> <token> <name> <concurrency> <job id,job id,…> [pause ms]
 * With a pause, each client waits that long after each download (a user who downloads now and then);
 * without, each starts its next download at once (a closed loop that takes every cycle it can).
 */
import { printResult } from './bytes.js';

const [url, token, name, concurrencyText, idsText, pauseText] = process.argv.slice(2);
const pauseMs = Number(pauseText ?? '0');
if (url === undefined || token === undefined || name === undefined || concurrencyText === undefined || idsText === undefined) {
  throw new Error('usage: download-clients-process.ts <server url> <token> <name> <concurrency> <job ids, comma-separated>');
}
const artifactPath = encodeURIComponent(name);
const jobIds = idsText.split(',');
const concurrency = Number(concurrencyText);
let downloads = 0;
let bytes = 0;
let failures = 0;
let stopping = false;
const start = performance.now();

async function client(index: number, firstDone: () => void): Promise<void> {
  let first = true;
  for (let round = 0; !stopping; round++) {
    const jobId = jobIds[(index + round) % jobIds.length]!;
    try {
      const response = await fetch(`${url}/jobs/${jobId}/artifacts/${artifactPath}`, { headers: { authorization: `Bearer ${token}` } });
      const body = await response.arrayBuffer();
      if (response.status === 200) {
        downloads += 1;
        bytes += body.byteLength;
      } else failures += 1;
    } catch {
      failures += 1;
    }
    if (first) {
      first = false;
      firstDone();
    }
    if (pauseMs > 0 && !stopping) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

let waiting = concurrency;
const clients = Array.from({ length: concurrency }, (_, index) => client(index, () => --waiting === 0 && process.stdout.write('ready\n')));
process.once('SIGTERM', () => {
  stopping = true;
  void Promise.all(clients).then(() => {
    printResult({ downloads, bytes, failures, seconds: (performance.now() - start) / 1000 });
    process.exit(0);
  });
});
