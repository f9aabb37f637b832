/**
 * Worker-owned resources (F6): created when the worker starts, handed to handlers through their
 * context, closed when it stops. Nothing connects at import time.
 */
import { ConveyorConfigError, ConveyorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Resources } from '../task.js';
import { settledWithin } from './settled-within.js';

/** How long one resource may take to close when the caller gives no bound. */
const RESOURCE_CLOSE_TIMEOUT_MS = 10_000;

/** How to make and dispose of one resource. */
export interface ResourceDefinition<T> {
  create: () => Promise<T> | T;
  close?: (value: T) => Promise<void> | void;
}

export type ResourceDefinitions = { [K in keyof Resources]: ResourceDefinition<Resources[K]> };

/** The resources of a running worker, closable in reverse order of creation. */
export class ResourceSet {
  private constructor(
    readonly values: Resources,
    private readonly closers: Array<{ name: string; close: () => Promise<void> | void }>,
  ) {}

  /** Create every resource in declaration order; if one fails, close those already made and throw. */
  static async create(definitions: Partial<Record<string, ResourceDefinition<unknown>>>, logger: Logger): Promise<ResourceSet> {
    const values: Record<string, unknown> = {};
    // Filled in below from the definitions; `Resources` is whatever the app declared it to be.
    const set = new ResourceSet(values as unknown as Resources, []);
    for (const [name, definition] of Object.entries(definitions)) {
      if (definition === undefined || typeof definition.create !== 'function') {
        throw new ConveyorConfigError(`worker resources.${name}`, 'must be { create, close? } with create a function', '{ create: () => new pg.Pool(), close: (pool) => pool.end() }');
      }
      try {
        const value = await definition.create();
        values[name] = value;
        const close = definition.close;
        if (close !== undefined) set.closers.push({ name, close: () => close(value) });
      } catch (error) {
        await set.close(logger);
        throw new ConveyorError(`Worker resource "${name}" failed to start: ${(error as Error).message}`, { cause: error });
      }
    }
    return set;
  }

  /**
   * Close every resource, newest first; a failing close is logged and the rest still close. A close
   * that has not finished after `timeoutMs` (a pool ending against a server that is gone) is logged
   * and left behind, so stopping a worker never hangs on one.
   */
  async close(logger: Logger, timeoutMs = RESOURCE_CLOSE_TIMEOUT_MS): Promise<void> {
    for (const { name, close } of this.closers.splice(0).reverse()) {
      const closing = Promise.resolve()
        .then(close)
        .catch((error: unknown) => logger.error({ err: error, resource: name }, 'resource failed to close'));
      if (!(await settledWithin(closing, timeoutMs))) {
        logger.error({ resource: name, timeoutMs }, 'resource did not close in time; moving on without it');
      }
    }
  }
}
