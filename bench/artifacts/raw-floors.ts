/**
 * The raw floors: the same bytes through the driver or the filesystem directly, no Conveyor in the
 * way. Writes are shaped like the backends' (1 MiB chunks, one statement and one
 * commit per chunk on the databases; a stream then one fsync on files); reads go to the same hashing
 * sink the reader uses. Each runs in `floor-process.ts`, alone in its process. PostgreSQL large objects are the alternative the design measured bytea against.
 */
import { createReadStream, createWriteStream, fsyncSync, closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { rechunk } from '../../src/artifacts/chunks.js';
import { DEFAULT_CHUNK_BYTES } from '../../src/artifacts/store-backend.js';
import { quoteIdentifier } from '../../src/postgres/queries.js';
import { openRaw } from '../shared.js';
import { HashSink, pseudoRandomChunks } from './bytes.js';

export interface Timing {
  writeSeconds: number;
  readSeconds: number;
  /** Set when the floor ran in a process of its own (`floor-process.ts`). */
  peakRssMb?: number;
  idleRssMb?: number;
}

function chunks(sizeBytes: number): AsyncGenerator<Uint8Array> {
  return rechunk(pseudoRandomChunks(sizeBytes), DEFAULT_CHUNK_BYTES);
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function checkRead(sink: HashSink, sizeBytes: number, what: string): void {
  if (sink.bytes !== sizeBytes) throw new Error(`${what}: read back ${sink.bytes} bytes, wrote ${sizeBytes}`);
}

/** better-sqlite3 on a fresh file with the store's pragmas (WAL, synchronous=FULL): one autocommitted INSERT per chunk, one SELECT per chunk. */
export async function sqliteFloor(path: string, sizeBytes: number): Promise<Timing> {
  const db = openRaw(path);
  try {
    db.exec('CREATE TABLE raw_chunks (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)');
    const insert = db.prepare('INSERT INTO raw_chunks (seq, data) VALUES (?, ?)');
    let start = performance.now();
    let seq = 0;
    for await (const chunk of chunks(sizeBytes)) insert.run(seq++, chunk);
    const writeSeconds = seconds(start);
    const select = db.prepare('SELECT data FROM raw_chunks WHERE seq = ?').pluck();
    start = performance.now();
    const sink = new HashSink();
    await pipeline(
      Readable.from((function* () {
        for (let index = 0; index < seq; index++) yield select.get(index) as Buffer;
      })(), { objectMode: false }),
      sink,
    );
    checkRead(sink, sizeBytes, 'SQLite floor');
    return { writeSeconds, readSeconds: seconds(start) };
  } finally {
    db.close();
  }
}

/** `pg` on one connection in the bench's schema: one autocommitted bytea INSERT per chunk, one SELECT per chunk. */
export async function postgresByteaFloor(connectionString: string, schema: string, sizeBytes: number): Promise<Timing> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const table = `${quoteIdentifier(schema)}.raw_chunks`;
  try {
    await client.query(`CREATE TABLE ${table} (seq int PRIMARY KEY, data bytea NOT NULL)`);
    let start = performance.now();
    let seq = 0;
    for await (const chunk of chunks(sizeBytes)) await client.query(`INSERT INTO ${table} (seq, data) VALUES ($1, $2)`, [seq++, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)]);
    const writeSeconds = seconds(start);
    start = performance.now();
    const sink = new HashSink();
    await pipeline(
      Readable.from((async function* () {
        for (let index = 0; index < seq; index++) yield ((await client.query<{ data: Buffer }>(`SELECT data FROM ${table} WHERE seq = $1`, [index])).rows[0]!.data);
      })(), { objectMode: false }),
      sink,
    );
    checkRead(sink, sizeBytes, 'PostgreSQL bytea floor');
    return { writeSeconds, readSeconds: seconds(start) };
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await client.end();
  }
}

/**
 * One large object, written with server-side `lo_put` (lowrite at an offset) one chunk per statement
 * inside one transaction, as a large object is written; read with `lo_get` one chunk per query. Unlinked afterwards.
 */
export async function postgresLargeObjectFloor(connectionString: string, sizeBytes: number): Promise<Timing> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  let oid: number | null = null;
  try {
    let start = performance.now();
    await client.query('BEGIN');
    oid = (await client.query<{ oid: number }>('SELECT lo_create(0) AS oid')).rows[0]!.oid;
    let offset = 0;
    for await (const chunk of chunks(sizeBytes)) {
      await client.query('SELECT lo_put($1, $2, $3)', [oid, offset, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)]);
      offset += chunk.byteLength;
    }
    await client.query('COMMIT');
    const writeSeconds = seconds(start);
    start = performance.now();
    const sink = new HashSink();
    const objectId = oid;
    await pipeline(
      Readable.from((async function* () {
        for (let from = 0; from < sizeBytes; from += DEFAULT_CHUNK_BYTES) yield (await client.query<{ data: Buffer }>('SELECT lo_get($1, $2, $3) AS data', [objectId, from, DEFAULT_CHUNK_BYTES])).rows[0]!.data;
      })(), { objectMode: false }),
      sink,
    );
    checkRead(sink, sizeBytes, 'PostgreSQL large-object floor');
    return { writeSeconds, readSeconds: seconds(start) };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    if (oid !== null) await client.query('SELECT lo_unlink($1)', [oid]).catch(() => undefined);
    await client.end();
  }
}

/** An `fs` write stream of the 64 KiB source chunks, then fsync; a read stream into the sink. The file is deleted afterwards. */
export async function directoryFloor(dir: string, sizeBytes: number): Promise<Timing> {
  const file = join(dir, 'raw-floor.bin');
  try {
    let start = performance.now();
    await pipeline(Readable.from(pseudoRandomChunks(sizeBytes), { objectMode: false }), createWriteStream(file));
    const fd = openSync(file, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    const writeSeconds = seconds(start);
    start = performance.now();
    const sink = new HashSink();
    await pipeline(createReadStream(file), sink);
    checkRead(sink, sizeBytes, 'directory floor');
    return { writeSeconds, readSeconds: seconds(start) };
  } finally {
    rmSync(file, { force: true });
  }
}
