/**
 * The global `--store` option. Given, it is checked here so an error names `--store`; absent, the
 * store comes from CONVEYOR_STORE, then the default SQLite file, as for `Conveyor.open()`.
 */
import type { Command } from 'commander';
import { artifactOptionsFromEnv } from '../artifacts/env.js';
import { parseStoreUrl, redactStoreUrl, resolveStoreUrl } from '../config.js';
import { Conveyor } from '../conveyor.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { EventDefinition } from '../step.js';
import type { Task } from '../task.js';

export interface GlobalOptions {
  store?: string;
}

/**
 * The store URL the command should use, and the name of the setting it came from. `defaultUrl`
 * replaces the default file for commands with one of their own (`dev`).
 */
export function storeSetting(command: Command, defaultUrl?: string): { url: string; setting: string } {
  const { store } = command.optsWithGlobals<GlobalOptions>();
  if (store !== undefined) return { url: store, setting: '--store' };
  if (defaultUrl !== undefined && process.env.CONVEYOR_STORE === undefined) return { url: defaultUrl, setting: `${command.name()}'s default store` };
  return resolveStoreUrl(undefined);
}

/** Open the store, unmigrated (for `migrate`). */
export async function openCliStore(command: Command, defaultUrl?: string): Promise<{ store: Store; url: string }> {
  const { url, setting } = storeSetting(command, defaultUrl);
  return { store: await openStore(parseStoreUrl(url, setting)), url: redactStoreUrl(url) };
}

/** What a command's Conveyor knows by name: tasks to enqueue, and events whose payloads `sendEvent` checks (a `TaskModule` fits). */
export interface CliDeclarations {
  tasks?: Task[];
  events?: EventDefinition[];
}

/** Open Conveyor on the command's store, migrating it, with these tasks enqueueable by name and these events declared. */
export async function openCliConveyor(command: Command, declared: CliDeclarations = {}, defaultUrl?: string): Promise<{ conveyor: Conveyor; url: string }> {
  const { store, url } = await openCliStore(command, defaultUrl);
  try {
    return { conveyor: await Conveyor.open({ store, tasks: declared.tasks ?? [], events: declared.events ?? [], artifacts: artifactOptionsFromEnv(process.env) }), url };
  } catch (error) {
    // Conveyor.open closes the store on a failed migration but not on a bad task or event list; closing twice is safe.
    await store.close();
    throw error;
  }
}

/** Open Conveyor on the command's store, hand it to `use`, and close it whatever happens. */
export async function withCliConveyor<T>(command: Command, use: (conveyor: Conveyor, url: string) => Promise<T>): Promise<T> {
  const { conveyor, url } = await openCliConveyor(command);
  try {
    return await use(conveyor, url);
  } finally {
    await conveyor.close();
  }
}
