/**
 * The artifact routes: list a job's artifacts, download one (streamed, with ranges and ETags), make
 * a signed link to one, and the signed link itself, `GET /artifacts/{jobId}/{name}`, the one route
 * here anyone may call: the link's signature is its credential. A tampered link counts as a failed
 * authentication of its address (`FailedAuthThrottle`), so signatures cannot be guessed any faster
 * than tokens.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_LINK_EXPIRES_IN_MS, MAX_LINK_EXPIRES_IN_MS } from '../../artifacts/conveyor-artifacts.js';
import { ARTIFACT_SIGNING_KEY_SETTING } from '../../artifacts/env.js';
import { ArtifactSchema, toArtifactDto } from '../artifact-dto.js';
import { artifactDownload } from '../artifact-download.js';
import { clientAddress, retryAfterSeconds, type FailedAuthThrottle } from '../auth-throttle.js';
import type { ServerDeps } from '../deps.js';
import { ErrorBodySchema, errorResponse, errorResponses, HttpError } from '../errors.js';
import { isoDate, json, security } from '../openapi-helpers.js';
import { createRouteApp } from '../route-app.js';
import { JobIdParamsSchema } from './job-schemas.js';

const ArtifactListSchema = z.object({ artifacts: z.array(ArtifactSchema) }).openapi('ArtifactList');

const nameParam = z.string().min(1).max(1024).openapi({ param: { name: 'name', in: 'path' }, description: 'The artifact’s name, percent-encoded', example: 'report.csv' });
const ArtifactParamsSchema = JobIdParamsSchema.extend({ name: nameParam });
const AttemptQuerySchema = z.object({
  attempt: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be an attempt number (1, 2, …)')
    .transform(Number)
    .optional()
    .openapi({ param: { name: 'attempt', in: 'query' }, description: 'The attempt’s artifact; by default the latest attempt that wrote the name', example: '1', type: 'string' }),
});

const EXPIRES_IN_MS_RULE = `must be a whole number of milliseconds from 1 to ${MAX_LINK_EXPIRES_IN_MS} (30 days), e.g. 86400000 for a day`;
const LinkRequestSchema = z
  .strictObject({
    expiresInMs: z
      .number({ error: EXPIRES_IN_MS_RULE })
      .int(EXPIRES_IN_MS_RULE)
      .min(1, EXPIRES_IN_MS_RULE)
      .max(MAX_LINK_EXPIRES_IN_MS, EXPIRES_IN_MS_RULE)
      .optional()
      .openapi({ description: 'How long the link works; default one hour, at most 30 days', example: 86_400_000 }),
  })
  .openapi('ArtifactLinkRequest');

const LinkSchema = z
  .object({
    url: z.string().openapi({ description: 'Downloads the artifact without a token until expiresAt; absolute when the server has CONVEYOR_PUBLIC_URL', example: '/artifacts/42/report.csv?expires=1767225600000&signature=…' }),
    expiresAt: isoDate,
  })
  .openapi('ArtifactLink');

const SignedLinkQuerySchema = z.object({
  expires: z.string().optional().openapi({ param: { name: 'expires', in: 'query' }, description: 'When the link expires, in ms since the epoch' }),
  signature: z.string().optional().openapi({ param: { name: 'signature', in: 'query' }, description: 'The link’s HMAC-SHA256, hex' }),
});

const bytes = (description: string) => ({ description, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } });
const DOWNLOAD_RESPONSES = {
  200: bytes('The whole artifact, streamed, with ETag, Content-Disposition and Accept-Ranges: bytes'),
  206: bytes('The one range asked for (Range: bytes=a-b, a-, or -n), with Content-Range'),
  304: { description: 'If-None-Match named the artifact’s ETag' },
  416: { description: 'The range starts past the end; Content-Range: bytes */<size>', content: { 'application/json': { schema: ErrorBodySchema } } },
};

const listRoute = createRoute({
  method: 'get',
  path: '/jobs/{id}/artifacts',
  tags: ['artifacts'],
  summary: 'List the files a job’s attempts wrote, by attempt then name',
  security,
  request: { params: JobIdParamsSchema },
  responses: { 200: json(ArtifactListSchema, 'The job’s artifacts; empty when it wrote none'), ...errorResponses(400, 401, 404) },
});

const downloadRoute = createRoute({
  method: 'get',
  path: '/jobs/{id}/artifacts/{name}',
  tags: ['artifacts'],
  summary: 'Download an artifact (streamed; Range, If-None-Match and If-Range honoured)',
  security,
  request: { params: ArtifactParamsSchema, query: AttemptQuerySchema },
  responses: { ...DOWNLOAD_RESPONSES, ...errorResponses(400, 401, 404) },
});

const linkRoute = createRoute({
  method: 'post',
  path: '/jobs/{id}/artifacts/{name}/link',
  tags: ['artifacts'],
  summary: 'Make a signed link that downloads the artifact without a token until it expires',
  security,
  request: { params: ArtifactParamsSchema, body: { required: false, ...json(LinkRequestSchema, 'How long the link works; the body may be left out') } },
  responses: {
    200: json(LinkSchema, 'The link and when it expires'),
    ...errorResponses(400, 401, 404, 415),
    409: { description: `Signed links are off: the server has no ${ARTIFACT_SIGNING_KEY_SETTING} (links_disabled)`, content: { 'application/json': { schema: ErrorBodySchema } } },
  },
});

const signedLinkRoute = createRoute({
  method: 'get',
  path: '/artifacts/{jobId}/{name}',
  tags: ['artifacts'],
  summary: 'Download an artifact by a signed link, without a token',
  description: 'Public: the signature is the credential. 404 when the server has no signing key. A tampered link counts as a failed authentication of the client address.',
  security: [],
  request: { params: z.object({ jobId: z.string().min(1).max(64).openapi({ param: { name: 'jobId', in: 'path' } }), name: nameParam }), query: SignedLinkQuerySchema },
  responses: {
    ...DOWNLOAD_RESPONSES,
    403: { description: 'The link expired (link_expired) or was altered (link_tampered): ask for a new one', content: { 'application/json': { schema: ErrorBodySchema } } },
    ...errorResponses(404, 429),
  },
});

export function artifactRoutes({ conveyor }: ServerDeps, failedAuth: FailedAuthThrottle): OpenAPIHono {
  const app = createRouteApp();

  app.openapi(listRoute, async (c) => {
    const { id } = c.req.valid('param');
    // An unknown job and a job with no artifacts list alike in the store; the API tells them apart.
    const [job, artifacts] = await Promise.all([conveyor.getJob(id), conveyor.artifacts.list(id)]);
    if (job === null) throw new HttpError(404, 'not_found', `No job with id "${id}"`);
    return c.json({ artifacts: artifacts.map(toArtifactDto) }, 200);
  });

  app.openapi(downloadRoute, async (c) => {
    const { id, name } = c.req.valid('param');
    return artifactDownload(c, conveyor, { jobId: id, name, attempt: c.req.valid('query').attempt });
  });

  app.openapi(linkRoute, async (c) => {
    const { id, name } = c.req.valid('param');
    if (!conveyor.artifacts.linksEnabled) {
      throw new HttpError(409, 'links_disabled', `Signed download links are off on this server: set ${ARTIFACT_SIGNING_KEY_SETTING} to a secret of 32+ characters (e.g. $(openssl rand -hex 32)), the same for every server, and restart it.`);
    }
    // A request without a body validates as {}.
    const expiresInMs = c.req.valid('json').expiresInMs ?? DEFAULT_LINK_EXPIRES_IN_MS;
    const now = new Date();
    const url = await conveyor.artifacts.url(id, name, { expiresInMs, now });
    return c.json({ url, expiresAt: new Date(now.getTime() + expiresInMs).toISOString() }, 200);
  });

  app.openapi(signedLinkRoute, async (c) => {
    // Without a key no link can be valid, and the route is as absent as any unknown path.
    if (!conveyor.artifacts.linksEnabled) return errorResponse(c, 404, 'not_found', `No route ${c.req.method} ${c.req.path}`);
    const address = clientAddress(c);
    const waitMs = failedAuth.blockedForMs(address);
    if (waitMs > 0) {
      c.header('Retry-After', String(retryAfterSeconds(waitMs)));
      return errorResponse(c, 429, 'too_many_failed_attempts', failedAuth.refusalMessage(address, waitMs));
    }
    const { jobId, name } = c.req.valid('param');
    const { expires, signature } = c.req.valid('query');
    const check = conveyor.artifacts.checkLink({ jobId, name, expires, signature });
    if (!check.valid && check.reason === 'tampered') {
      failedAuth.recordFailure(address);
      return errorResponse(c, 403, 'link_tampered', 'This download link is not valid (tampered): its job, name, expiry or signature was changed or cut. Ask whoever gave it to you for a new link.');
    }
    if (!check.valid) {
      return errorResponse(c, 403, 'link_expired', `This download link has expired (it was good until ${new Date(Number(expires)).toISOString()}). Ask whoever gave it to you for a new link.`);
    }
    return artifactDownload(c, conveyor, { jobId, name, whenMissing: 'the link is valid, but the artifact is gone: pruned with its job, or never kept' });
  });

  return app;
}
