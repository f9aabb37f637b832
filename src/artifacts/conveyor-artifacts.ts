/**
 * `conveyor.artifacts`: reading what jobs wrote. Listing and metadata come from the store; bytes
 * stream from the backend; signed links let someone without the API token download one artifact
 * until the link expires.
 */
import type { Readable } from 'node:stream';
import { ConveyorArtifactError, ConveyorConfigError, ConveyorNotFoundError } from '../errors.js';
import type { Store } from '../store/store.js';
import { toArtifact, type Artifact } from '../artifact.js';
import type { ByteRange } from './backend.js';
import { nameProblem } from './names.js';
import type { ArtifactSettings } from './settings.js';
import { checkSignedLink, signedLinkPath, type LinkCheck } from './signed-links.js';

export interface OpenedArtifact {
  artifact: Artifact;
  /** The bytes, or the range asked for. */
  stream: Readable;
}

export interface GetArtifactOptions {
  /** The attempt's artifact; by default the latest attempt that wrote this name. */
  attempt?: number;
  /** Bytes `start` to `end`, inclusive; checked against the size. */
  range?: ByteRange;
}

export const DEFAULT_LINK_EXPIRES_IN_MS = 3_600_000;
export const MAX_LINK_EXPIRES_IN_MS = 30 * 86_400_000;

export class ConveyorArtifacts {
  constructor(
    private readonly store: Store,
    private readonly settings: ArtifactSettings,
  ) {}

  /** Every artifact the job's attempts wrote, by attempt then name; empty for a job with none, or none known. */
  async list(jobId: string): Promise<Artifact[]> {
    return (await this.store.artifacts.list({ jobId })).map(toArtifact);
  }

  /** One artifact's record, or null. */
  async stat(jobId: string, name: string, options: { attempt?: number } = {}): Promise<Artifact | null> {
    if (nameProblem(name) !== null) return null;
    const record = await this.store.artifacts.get({ jobId, name, attempt: options.attempt ?? null });
    return record === null ? null : toArtifact(record);
  }

  /** The artifact and a stream of its bytes (or of `range`), or null when the job has no artifact of that name. */
  async get(jobId: string, name: string, options: GetArtifactOptions = {}): Promise<OpenedArtifact | null> {
    if (nameProblem(name) !== null) return null;
    const record = await this.store.artifacts.get({ jobId, name, attempt: options.attempt ?? null });
    if (record === null) return null;
    const { range } = options;
    if (range !== undefined && !(Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.start <= range.end && range.end < record.size)) {
      throw new ConveyorArtifactError(`conveyor.artifacts.get(${JSON.stringify(jobId)}, ${JSON.stringify(name)}): range ${JSON.stringify(range)} is not within its ${record.size} bytes; give { start, end } with 0 <= start <= end < ${record.size}`);
    }
    return { artifact: toArtifact(record), stream: this.settings.backend.read(record.blobKey, range ?? null) };
  }

  /**
   * A link that downloads the artifact without the API token until `expiresInMs` from now (default
   * one hour, at most 30 days): `<publicUrl>/artifacts/<jobId>/<name>?expires=…&signature=…`, or that
   * path alone when no `publicUrl` is set. Needs `artifacts.signingKey`. Throws `ConveyorNotFoundError`
   * when the job has no such artifact.
   */
  async url(jobId: string, name: string, options: { expiresInMs?: number; now?: Date } = {}): Promise<string> {
    const key = this.requireSigningKey();
    const expiresInMs = options.expiresInMs ?? DEFAULT_LINK_EXPIRES_IN_MS;
    if (!Number.isInteger(expiresInMs) || expiresInMs < 1 || expiresInMs > MAX_LINK_EXPIRES_IN_MS) {
      throw new ConveyorConfigError('conveyor.artifacts.url(…, { expiresInMs })', `must be an integer of milliseconds from 1 to ${MAX_LINK_EXPIRES_IN_MS} (30 days), got ${String(expiresInMs)}`, '86400000');
    }
    if ((await this.stat(jobId, name)) === null) throw new ConveyorNotFoundError(`job ${jobId} has no artifact named ${JSON.stringify(name)}`);
    const expiresAt = (options.now ?? new Date()).getTime() + expiresInMs;
    return `${this.settings.publicUrl ?? ''}${signedLinkPath(key, jobId, name, expiresAt)}`;
  }

  /** Whether a signed link's parts are valid at `now`: `expired` or `tampered` when not. */
  checkLink(link: { jobId: string; name: string; expires: string | undefined; signature: string | undefined }, now: Date = new Date()): LinkCheck {
    return checkSignedLink(this.requireSigningKey(), link, now.getTime());
  }

  /** Whether signed links can be made and checked (a signing key is configured). */
  get linksEnabled(): boolean {
    return this.settings.signingKey !== null;
  }

  private requireSigningKey(): string {
    if (this.settings.signingKey === null) {
      throw new ConveyorConfigError('artifacts.signingKey', 'is not set, so signed download links cannot be made or checked; set Conveyor.open({ artifacts: { signingKey } }) or CONVEYOR_ARTIFACT_SIGNING_KEY', '$(openssl rand -hex 32)');
    }
    return this.settings.signingKey;
  }
}
