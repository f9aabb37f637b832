/**
 * What the claim loop waits on between claims: a slot freed, a job arrived, the store came back.
 * A wake-up requested while the loop was busy claiming is remembered, so no arrival is missed.
 */
export class WakeSignal {
  private requested = false;
  private wake: (() => void) | null = null;

  /** Wake the loop if it is sleeping, and remember the request if it is not. */
  request(): void {
    this.requested = true;
    this.wake?.();
  }

  /** True when a wake-up was requested since the last `reset`. */
  get pending(): boolean {
    return this.requested;
  }

  /** Forget earlier requests: the loop is about to look for work anyway. */
  reset(): void {
    this.requested = false;
  }

  /** Resolve after `ms`, or at the next `request()`, whichever comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
