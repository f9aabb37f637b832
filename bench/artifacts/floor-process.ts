/**
 * One raw floor in a process of its own, so its RSS can stand beside the worker's and the reader's:
 * what the driver alone holds while moving the same bytes.
 * Usage: floor-process.ts <size bytes> sqlite <file> | pg-bytea <connection string> <schema> | pg-large-object <connection string> | directory <dir>
 */
import { printResult, sampleRss } from './bytes.js';
import { directoryFloor, postgresByteaFloor, postgresLargeObjectFloor, sqliteFloor, type Timing } from './raw-floors.js';

const [sizeText, kind, first, second] = process.argv.slice(2);
const sizeBytes = Number(sizeText);
const usage = 'usage: floor-process.ts <size bytes> sqlite <file> | pg-bytea <connection string> <schema> | pg-large-object <connection string> | directory <dir>';
if (first === undefined) throw new Error(usage);

const peakRss = sampleRss();
const idleRssMb = process.memoryUsage().rss / 1e6;
let timing: Timing;
if (kind === 'sqlite') timing = await sqliteFloor(first, sizeBytes);
else if (kind === 'pg-bytea' && second !== undefined) timing = await postgresByteaFloor(first, second, sizeBytes);
else if (kind === 'pg-large-object') timing = await postgresLargeObjectFloor(first, sizeBytes);
else if (kind === 'directory') timing = await directoryFloor(first, sizeBytes);
else throw new Error(usage);
printResult({ ...timing, peakRssMb: peakRss(), idleRssMb });
