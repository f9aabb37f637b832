/**
 * An artifact as the HTTP API shows it: its record with an ISO date and the authenticated path that
 * downloads it (the exact attempt's, so the link keeps naming the same bytes after a retry writes
 * the name again).
 */
import { z } from '@hono/zod-openapi';
import type { Artifact } from '../artifact.js';
import { isoDate } from './openapi-helpers.js';

export const ArtifactSchema = z
  .object({
    attempt: z.number().int().openapi({ description: 'The attempt that wrote it' }),
    name: z.string().openapi({ example: 'report.csv' }),
    size: z.number().int().openapi({ description: 'Bytes' }),
    contentType: z.string().openapi({ example: 'text/csv; charset=utf-8' }),
    sha256: z.string().openapi({ description: 'Hex SHA-256 of the bytes; the download’s ETag' }),
    createdAt: isoDate,
    url: z.string().openapi({ description: 'Where to download it with the bearer token', example: '/jobs/42/artifacts/report.csv?attempt=1' }),
  })
  .openapi('Artifact');

export type ArtifactDto = z.infer<typeof ArtifactSchema>;

export function toArtifactDto(artifact: Artifact): ArtifactDto {
  return {
    attempt: artifact.attempt,
    name: artifact.name,
    size: artifact.size,
    contentType: artifact.contentType,
    sha256: artifact.sha256,
    createdAt: artifact.createdAt.toISOString(),
    url: artifactDownloadPath(artifact.jobId, artifact.name, artifact.attempt),
  };
}

/** `/jobs/{id}/artifacts/{name}?attempt=N`, the name percent-encoded. */
export function artifactDownloadPath(jobId: string, name: string, attempt: number): string {
  return `/jobs/${encodeURIComponent(jobId)}/artifacts/${encodeURIComponent(name)}?attempt=${attempt}`;
}
