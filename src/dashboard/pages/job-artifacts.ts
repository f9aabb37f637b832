/**
 * The job page's Artifacts section: every file the job's attempts wrote, each downloadable by the
 * logged-in session (`artifact-routes.ts`). When signed links are enabled, the latest file of each
 * name also gets a button that makes a 24-hour link for someone without a login (`action-routes.ts`).
 */
import { formatByteSize, type Artifact } from '../../artifact.js';
import { timeAgo, timeExact } from '../format.js';
import { EMPTY, html, type Html } from '../html.js';
import { artifactDownloadPath, artifactLinkPath } from '../paths.js';

export interface JobArtifacts {
  artifacts: readonly Artifact[];
  /** Whether `conveyor.artifacts.url` can sign links (a signing key is set). */
  linksEnabled: boolean;
}

export function artifactsSection(jobId: string, { artifacts, linksEnabled }: JobArtifacts, now: Date): Html {
  if (artifacts.length === 0) return html`<section class="panel" data-artifacts><h2>Artifacts</h2><div class="empty" data-artifacts-empty>This job wrote no artifacts.</div></section>`;
  // A signed link reads the latest attempt that wrote the name, so only that row offers one.
  const latestAttempt = new Map<string, number>();
  for (const artifact of artifacts) latestAttempt.set(artifact.name, Math.max(artifact.attempt, latestAttempt.get(artifact.name) ?? 0));
  const rows = artifacts.map((artifact) => {
    const link = linksEnabled && latestAttempt.get(artifact.name) === artifact.attempt;
    return html`<tr data-artifact="${artifact.name}" data-attempt="${artifact.attempt}">
<td>${artifact.attempt}</td>
<td><a href="${artifactDownloadPath(jobId, artifact.name, artifact.attempt)}" download>${artifact.name}</a></td>
<td title="${`${artifact.size} bytes`}">${formatByteSize(artifact.size)}</td>
<td><code>${artifact.contentType}</code></td>
<td>${timeExact(artifact.createdAt)} <span class="muted">(${timeAgo(artifact.createdAt, now)})</span></td>
<td>${link ? html`<form class="inline" method="post" action="${artifactLinkPath(jobId, artifact.name)}"><button type="submit" title="A link that downloads this file without logging in, for 24 hours">Copy link</button></form>` : EMPTY}</td>
</tr>`;
  });
  return html`<section class="panel" data-artifacts><h2>Artifacts (${artifacts.length})</h2>
<table class="artifacts"><thead><tr><th>Attempt</th><th>Name</th><th>Size</th><th>Type</th><th>Created</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>
</section>`;
}
