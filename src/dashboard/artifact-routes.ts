/**
 * Downloading an artifact from the job page: `GET /dashboard/jobs/:id/artifacts/:name?attempt=N`,
 * for the logged-in session (the server's auth middleware guards every `/dashboard/` path, so this
 * route sees only authenticated requests). The bytes stream from the artifact backend to the
 * response as the browser reads them: memory stays flat whatever the file's size.
 *
 * The file is always an attachment with `nosniff`: an artifact is whatever a handler wrote (HTML,
 * SVG…), and rendered inline on this origin it could script the dashboard.
 */
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Artifact } from '../artifact.js';
import type { ServerDeps } from '../server/deps.js';
import { notFoundPage, respondWithPage } from './layout.js';
import { JOBS_PAGE_PATH } from './paths.js';

export function artifactRoutes({ conveyor }: ServerDeps): Hono {
  const app = new Hono();

  app.get(`${JOBS_PAGE_PATH}/:id/artifacts/:name`, async (c) => {
    const id = c.req.param('id');
    const name = c.req.param('name');
    const attemptText = c.req.query('attempt');
    const attempt = attemptText === undefined ? undefined : parseAttempt(attemptText);
    if (attempt === null) {
      return respondWithPage(c, { ...notFoundPage('jobs', 'Bad attempt', `"attempt" must be an attempt number such as 1, got "${attemptText!.slice(0, 20)}".`), status: 400 });
    }
    const opened = await conveyor.artifacts.get(id, name, attempt === undefined ? {} : { attempt });
    if (opened === null) {
      const which = attempt === undefined ? '' : ` of attempt ${attempt}`;
      return respondWithPage(c, notFoundPage('jobs', 'No such artifact', `Job #${id.slice(0, 40)} has no artifact named "${name.slice(0, 255)}"${which}; it may have been pruned with its job.`));
    }
    return new Response(Readable.toWeb(opened.stream) as ReadableStream<Uint8Array>, { status: 200, headers: downloadHeaders(opened.artifact) });
  });

  return app;
}

function parseAttempt(text: string): number | null {
  return /^[1-9][0-9]{0,8}$/.test(text) ? Number(text) : null;
}

function downloadHeaders(artifact: Artifact): Headers {
  return new Headers({
    'Content-Type': artifact.contentType,
    'Content-Length': String(artifact.size),
    'Content-Disposition': attachmentDisposition(artifact.name),
    'X-Content-Type-Options': 'nosniff',
    ETag: `"${artifact.sha256}"`,
  });
}

/**
 * `attachment` with the name twice (RFC 6266): `filename*` in UTF-8 for browsers, and a plain ASCII
 * `filename` for old clients, where quotes, backslashes, `%` and anything outside printable ASCII
 * become `_` so no name can break out of the quoted string.
 */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
