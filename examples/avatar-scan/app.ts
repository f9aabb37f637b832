/**
 * The example's own web app (not Conveyor's API): where users upload avatars and see what became of
 * them. It stores the bytes, enqueues the flow scan → resize → publish, and reads the flow back.
 *
 *   POST /avatars                              raw image bytes (Content-Type image/* or
 *                                              application/octet-stream), or multipart/form-data with
 *                                              a `file` field; at most 5 MiB → 202 { uploadId, flowId, statusUrl }
 *   GET  /avatars/:uploadId                    { status: scanning | infected | resizing | publishing | published | failed, … }
 *   GET  /avatars/:uploadId/thumbnails/:name   a published thumbnail (image/webp)
 *
 * Nothing here parses the uploaded bytes: the first code to read them is the scanner. That is also
 * why a file that only claims to be an image is accepted: it is scanned, then sharp finds out.
 */
import { Readable } from 'node:stream';
import { chain, type Conveyor, flowStep } from 'conveyor';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bodyLimit } from 'hono/body-limit';
import { describeAvatar } from './avatar-state.js';
import { MAX_UPLOAD_BYTES } from './config.js';
import { publishAvatar, resizeAvatar, scanAvatar } from './tasks.js';
import { isUploadId, type UploadFolder } from './uploads.js';

export interface AvatarAppOptions {
  conveyor: Conveyor;
  uploads: UploadFolder;
  /** @default MAX_UPLOAD_BYTES (5 MiB) */
  maxBytes?: number;
}

interface ReceivedFile {
  bytes: Uint8Array;
  contentType: string;
  fileName: string | null;
}

/** Every error the app answers has Conveyor's shape: `{ error: { code, message } }`. */
function problem(status: ContentfulStatusCode, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

export function createAvatarApp({ conveyor, uploads, maxBytes = MAX_UPLOAD_BYTES }: AvatarAppOptions): Hono {
  const app = new Hono();
  const limit = `${maxBytes} bytes (${(maxBytes / 1024 / 1024).toFixed(maxBytes % (1024 * 1024) === 0 ? 0 : 2)} MiB)`;

  app.post(
    '/avatars',
    bodyLimit({ maxSize: maxBytes, onError: () => problem(413, 'upload_too_large', `an avatar upload may be at most ${limit}; this one is larger`) }),
    async (c) => {
      const received = await receiveFile(c.req.raw);
      if ('error' in received) return received.error;
      if (received.bytes.byteLength > maxBytes) {
        return problem(413, 'upload_too_large', `an avatar upload may be at most ${limit}; this one is ${received.bytes.byteLength} bytes`);
      }
      const uploadId = uploads.newUploadId();
      await uploads.saveOriginal(uploadId, received.bytes);
      const flow = await conveyor.flows.enqueue(chain(flowStep(scanAvatar, { uploadId }), flowStep(resizeAvatar, { uploadId }), flowStep(publishAvatar, { uploadId })));
      await uploads.saveRecord({
        uploadId,
        flowId: flow.id,
        bytes: received.bytes.byteLength,
        contentType: received.contentType,
        fileName: received.fileName,
        receivedAt: new Date().toISOString(),
      });
      return c.json({ uploadId, flowId: flow.id, statusUrl: `/avatars/${uploadId}` }, 202);
    },
  );

  app.get('/avatars/:uploadId', async (c) => {
    const uploadId = c.req.param('uploadId');
    const upload = isUploadId(uploadId) ? await uploads.readRecord(uploadId) : null;
    if (upload === null) return problem(404, 'not_found', `no upload ${JSON.stringify(uploadId)}`);
    const [flow, published] = await Promise.all([conveyor.flows.get(upload.flowId), uploads.readPublished(uploadId)]);
    return c.json(describeAvatar(upload, flow, published, (name) => `/avatars/${uploadId}/thumbnails/${encodeURIComponent(name)}`));
  });

  app.get('/avatars/:uploadId/thumbnails/:name', async (c) => {
    const uploadId = c.req.param('uploadId');
    const name = c.req.param('name');
    const published = isUploadId(uploadId) ? await uploads.readPublished(uploadId) : null;
    // Only published thumbnails are served: never a file of an upload that is still being checked.
    const thumbnail = published?.thumbnails.find((entry) => entry.name === name);
    if (published === null || thumbnail === undefined) return problem(404, 'not_found', `no published thumbnail ${JSON.stringify(name)} for upload ${JSON.stringify(uploadId)}`);
    const opened = await conveyor.artifacts.get(thumbnail.jobId, thumbnail.name);
    if (opened === null) return problem(404, 'not_found', `thumbnail ${name} of upload ${uploadId} is no longer stored (job ${thumbnail.jobId} was pruned?)`);
    return new Response(Readable.toWeb(opened.stream) as ReadableStream<Uint8Array>, {
      headers: {
        'content-type': opened.artifact.contentType,
        'content-length': String(opened.artifact.size),
        etag: `"${opened.artifact.sha256}"`,
        'x-content-type-options': 'nosniff',
      },
    });
  });

  return app;
}

/** The uploaded file from a raw or multipart body, or the 400/415 answer saying what was wrong. */
async function receiveFile(request: Request): Promise<ReceivedFile | { error: Response }> {
  const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const example = 'curl --data-binary @me.png -H "Content-Type: image/png" …, or curl -F file=@me.png …';
  if (contentType === 'multipart/form-data') {
    let form: FormData;
    try {
      form = await request.formData();
    } catch (error) {
      return { error: problem(400, 'bad_multipart', `the multipart body could not be read: ${(error as Error).message}`) };
    }
    const file = form.get('file');
    if (!(file instanceof File)) return { error: problem(400, 'no_file', `a multipart upload needs a file in the field "file" (${example})`) };
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.byteLength === 0) return { error: problem(400, 'empty_upload', `the file "${file.name}" is empty`) };
    return { bytes, contentType: file.type || 'application/octet-stream', fileName: file.name || null };
  }
  if (!contentType.startsWith('image/') && contentType !== 'application/octet-stream') {
    return {
      error: problem(415, 'unsupported_content_type', `send the image as the body with Content-Type image/* or application/octet-stream, or as multipart/form-data; got ${JSON.stringify(contentType || '(none)')} (${example})`),
    };
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength === 0) return { error: problem(400, 'empty_upload', 'the body is empty: send the image bytes') };
  return { bytes, contentType, fileName: null };
}
