/**
 * What a browser or a mobile client of the avatar app does: upload, then poll the upload's status
 * until it is final. Used by run.ts and the test, so both go through the app's real HTTP routes.
 */
import type { AvatarStatus, AvatarView } from './avatar-state.js';

export interface UploadAnswer {
  uploadId: string;
  flowId: string;
  statusUrl: string;
}

/** Statuses an upload never leaves. */
export const FINAL_STATUSES: readonly AvatarStatus[] = ['published', 'infected', 'failed'];

/** POST the bytes as the raw body; throws with the app's answer on anything but 202. */
export async function uploadAvatar(appUrl: string, bytes: Uint8Array, contentType: string): Promise<UploadAnswer> {
  const response = await fetch(`${appUrl}/avatars`, { method: 'POST', headers: { 'content-type': contentType }, body: bytes });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`POST ${appUrl}/avatars answered ${response.status}: ${text}`);
  return JSON.parse(text) as UploadAnswer;
}

export async function getAvatar(appUrl: string, uploadId: string): Promise<AvatarView> {
  const response = await fetch(`${appUrl}/avatars/${uploadId}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${appUrl}/avatars/${uploadId} answered ${response.status}: ${text}`);
  return JSON.parse(text) as AvatarView;
}

/**
 * Poll until the upload's status is final (or `until` holds), calling `onChange` each time the
 * status or a step's state changes; throws after `timeoutMs` with the last view it saw.
 */
export async function waitForAvatar(
  appUrl: string,
  uploadId: string,
  options: { timeoutMs: number; pollMs?: number; until?: (view: AvatarView) => boolean; onChange?: (view: AvatarView) => void },
): Promise<AvatarView> {
  const until = options.until ?? ((view: AvatarView) => FINAL_STATUSES.includes(view.status));
  const deadline = Date.now() + options.timeoutMs;
  let lastKey = '';
  for (;;) {
    const view = await getAvatar(appUrl, uploadId);
    const key = `${view.status} ${view.steps.map((step) => `${step.state}/${step.attempt}`).join(' ')}`;
    if (key !== lastKey) {
      lastKey = key;
      options.onChange?.(view);
    }
    if (until(view)) return view;
    if (Date.now() >= deadline) {
      throw new Error(`upload ${uploadId} did not reach the awaited status within ${options.timeoutMs} ms; last seen: ${JSON.stringify(view)}`);
    }
    await new Promise((wake) => setTimeout(wake, options.pollMs ?? 200));
  }
}
