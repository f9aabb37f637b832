/**
 * The reader side, standing for the server, alone in its process: streams `conveyor.artifacts.get`
 * of the big artifact into a hashing sink and prints how long it took, the digest, and its peak RSS.
 * Usage: reader-process.ts <store url> <store|directory> <job id>
 */
import { pipeline } from 'node:stream/promises';
import { ARTIFACT_NAME, HashSink, printResult, sampleRss } from './bytes.js';
import { openConveyor } from './open-conveyor.js';

const [storeUrl, backend, jobId] = process.argv.slice(2);
if (storeUrl === undefined || backend === undefined || jobId === undefined) throw new Error('usage: reader-process.ts <store url> <store|directory> <job id>');

const peakRss = sampleRss();
const conveyor = await openConveyor(storeUrl, backend, 1);
// What the process holds before any artifact byte moves (Node, tsx, Conveyor and its drivers loaded).
const idleRssMb = process.memoryUsage().rss / 1e6;
try {
  const start = performance.now();
  const opened = await conveyor.artifacts.get(jobId, ARTIFACT_NAME);
  if (opened === null) throw new Error(`job ${jobId} has no artifact ${ARTIFACT_NAME}`);
  const sink = new HashSink();
  await pipeline(opened.stream, sink);
  const seconds = (performance.now() - start) / 1000;
  const sha256 = sink.digest();
  if (sha256 !== opened.artifact.sha256 || sink.bytes !== opened.artifact.size) throw new Error(`read ${sink.bytes} bytes hashing ${sha256}; the record says ${opened.artifact.size} bytes, ${opened.artifact.sha256}`);
  printResult({ seconds, bytes: sink.bytes, sha256, peakRssMb: peakRss(), idleRssMb });
} finally {
  await conveyor.close();
}
