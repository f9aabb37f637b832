/**
 * One artifact's bytes as an HTTP response, shared by the authenticated download and the signed
 * link: streamed from the backend (memory stays flat whatever the size), with its ETag (the
 * SHA-256), `If-None-Match` (304), a single `Range` (206, or 416 past the end) and `If-Range`.
 *
 * The download is an attachment under `Content-Security-Policy: sandbox`, and `nosniff` comes with
 * every response: a handler chooses an artifact's content type, so an HTML artifact must never run
 * as a page of the API's origin.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Context } from 'hono';
import type { Artifact } from '../artifact.js';
import type { Conveyor } from '../conveyor.js';
import { contentDisposition, readRangeHeader } from './byte-ranges.js';
import { HttpError } from './errors.js';

export interface ArtifactRequest {
  jobId: string;
  name: string;
  /** The attempt's artifact; by default the latest attempt that wrote the name. */
  attempt?: number;
  /** Said in the 404 when the artifact is not there (why a valid link can find nothing, say). */
  whenMissing?: string;
}

export async function artifactDownload(c: Context, conveyor: Conveyor, request: ArtifactRequest): Promise<Response> {
  const artifact = await conveyor.artifacts.stat(request.jobId, request.name, { attempt: request.attempt });
  if (artifact === null) throw missing(request);
  const etag = `"${artifact.sha256}"`;
  const headers = new Headers({ ETag: etag, 'Cache-Control': 'private, no-cache', 'Accept-Ranges': 'bytes' });
  if (matchesEtag(c.req.header('if-none-match'), etag)) return new Response(null, { status: 304, headers });

  const ifRange = c.req.header('if-range');
  // An If-Range that is not this ETag (another version, or a date) asks for the whole file.
  const wanted = ifRange === undefined || ifRange.trim() === etag ? readRangeHeader(c.req.header('range'), artifact.size) : ({ kind: 'whole' } as const);
  if (wanted.kind === 'unsatisfiable') {
    headers.set('Content-Range', `bytes */${artifact.size}`);
    headers.set('Content-Type', 'application/json');
    const message = `The range ${JSON.stringify(c.req.header('range'))} is not within the ${artifact.size} bytes of ${JSON.stringify(artifact.name)}; ask for bytes=0-${Math.max(0, artifact.size - 1)} or less.`;
    return new Response(JSON.stringify({ error: { code: 'range_not_satisfiable', message } }), { status: 416, headers });
  }
  const range = wanted.kind === 'range' ? wanted.range : undefined;
  headers.set('Content-Type', artifact.contentType);
  headers.set('Content-Disposition', contentDisposition(artifact.name));
  headers.set('Content-Security-Policy', "default-src 'none'; sandbox");
  headers.set('Content-Length', String(range === undefined ? artifact.size : range.end - range.start + 1));
  if (range !== undefined) headers.set('Content-Range', `bytes ${range.start}-${range.end}/${artifact.size}`);
  const status = range === undefined ? 200 : 206;
  if (c.req.method === 'HEAD') return new Response(null, { status, headers });

  // Pinned to the attempt read above, so the bytes are the ones the ETag and length describe.
  const opened = await conveyor.artifacts.get(artifact.jobId, artifact.name, { attempt: artifact.attempt, range });
  if (opened === null) throw missing(request);
  if (!sameBytes(opened.artifact, artifact)) {
    // The attempt wrote the name again between the two reads: what was described is gone.
    opened.stream.destroy();
    throw new HttpError(409, 'conflict', `The artifact ${JSON.stringify(artifact.name)} of job ${artifact.jobId} was replaced while being read; request it again.`);
  }
  return new Response(Readable.toWeb(opened.stream) as WebReadableStream<Uint8Array> as ReadableStream<Uint8Array>, { status, headers });
}

function missing(request: ArtifactRequest): HttpError {
  const attempt = request.attempt === undefined ? '' : ` from attempt ${request.attempt}`;
  return new HttpError(404, 'not_found', `Job "${request.jobId}" has no artifact named ${JSON.stringify(request.name)}${attempt}${request.whenMissing === undefined ? '' : ` (${request.whenMissing})`}.`);
}

/** Whether an If-None-Match list names this ETag (weakly: a `W/` prefix is ignored), or is `*`. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

function sameBytes(a: Artifact, b: Artifact): boolean {
  return a.sha256 === b.sha256 && a.size === b.size;
}
