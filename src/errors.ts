/**
 * Errors a user of Conveyor can meet. Each message says what was wrong, where,
 * and what a right value looks like.
 */

/** Base class of every error Conveyor throws on purpose. */
export class ConveyorError extends Error {
  override name = 'ConveyorError';
}

/** One problem found while validating a value against a schema. */
export interface ValidationIssue {
  /** Dotted path to the offending field, e.g. `range.end`; empty for the value itself. */
  path: string;
  /** What was wrong with it, as the schema library put it. */
  message: string;
}

/**
 * A task's input did not match its schema. Nothing was written to the store.
 *
 * @example
 * try { await conveyor.enqueue(exportReport, { from: '2024-02-01', to: '2024-01-01' }) }
 * catch (err) { if (err instanceof ConveyorValidationError) console.log(err.issues) }
 */
export class ConveyorValidationError extends ConveyorError {
  override name = 'ConveyorValidationError';
  constructor(
    readonly task: string,
    readonly issues: readonly ValidationIssue[],
    /** What was invalid, for the message; an event's payload says so. */
    subject = `input for task "${task}"`,
  ) {
    super(
      `Invalid ${subject}: ` +
        issues.map((issue) => `${issue.path === '' ? '(input)' : issue.path}: ${issue.message}`).join('; '),
    );
  }
}

/**
 * A setting had a value Conveyor cannot use. Raised at start-up, before anything connects, or by a
 * call given an argument it cannot use (`snooze(delayMs)`, `discard(reason)`).
 */
export class ConveyorConfigError extends ConveyorError {
  override name = 'ConveyorConfigError';
  constructor(
    readonly setting: string,
    readonly problem: string,
    readonly example: string,
  ) {
    super(`${setting}: ${problem}. Example of a valid value: ${example}`);
  }
}

/**
 * The database's migration history does not match the migrations this package ships:
 * it is newer, has a gap, or an applied migration's checksum changed.
 */
export class ConveyorMigrationError extends ConveyorError {
  override name = 'ConveyorMigrationError';
}

/**
 * The store did not answer: the server is down or unreachable, or refused the login or database.
 * `cause` holds the driver's error.
 */
export class ConveyorStoreUnavailableError extends ConveyorError {
  override name = 'ConveyorStoreUnavailableError';
}

/** A job, task or other named thing does not exist. */
export class ConveyorNotFoundError extends ConveyorError {
  override name = 'ConveyorNotFoundError';
}

/** An operation is not allowed in the job's current state (e.g. retrying a running job). */
export class ConveyorStateError extends ConveyorError {
  override name = 'ConveyorStateError';
}

/** `waitFor` gave up before the job reached a final state. */
export class ConveyorTimeoutError extends ConveyorError {
  override name = 'ConveyorTimeoutError';
}

/**
 * Writing or reading an artifact failed: a bad name, a size past its limit, an attempt that lost its
 * lease before the artifact was recorded, a source that is not bytes. The message says which.
 */
export class ConveyorArtifactError extends ConveyorError {
  override name = 'ConveyorArtifactError';
}

/**
 * A durable step was used wrongly (a bad or repeated name, a result that is not JSON, bad sleep or
 * wait options) or could not be recorded because the attempt lost its lease (`leaseLost`).
 */
export class ConveyorStepError extends ConveyorError {
  override name = 'ConveyorStepError';
  readonly leaseLost: boolean;
  constructor(message: string, options: { leaseLost?: boolean } = {}) {
    super(message);
    this.leaseLost = options.leaseLost ?? false;
  }
}

const PERMANENT_BRAND = Symbol.for('conveyor.PermanentJobError');

/**
 * Throw this from a handler to fail the job without further retries: it goes straight to `dead`.
 *
 * @example
 * if (!user) throw new PermanentJobError(`user ${input.userId} no longer exists`)
 */
export class PermanentJobError extends ConveyorError {
  override name = 'PermanentJobError';
  readonly [PERMANENT_BRAND] = true;

  /**
   * `instanceof` also recognises a PermanentJobError from another copy of this package (a globally
   * installed CLI running an app that bundles its own Conveyor), by a registry-wide symbol.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PERMANENT_BRAND] === true;
  }
}
