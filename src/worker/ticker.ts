/**
 * Runs an async step every `intervalMs`, never two at once; `stop` waits for the step in flight and
 * no step runs after it. A step that rejects is handed to `onError` and the rhythm goes on.
 * `intervalMs` may be a function, read before each wait (a step backing off after failures).
 */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private state: 'idle' | 'started' | 'stopped' = 'idle';

  constructor(
    private readonly intervalMs: number | (() => number),
    private readonly step: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.state = 'started';
    this.schedule();
  }

  /** Run the step now (unless it is already running or the ticker was stopped), then keep the usual rhythm. */
  async runNow(): Promise<void> {
    if (this.running !== null) return this.running;
    if (this.state === 'stopped') return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.step()
      .catch(this.onError)
      .finally(() => {
        this.running = null;
        this.schedule();
      });
    return this.running;
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    if (this.state !== 'started' || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runNow();
    }, typeof this.intervalMs === 'number' ? this.intervalMs : this.intervalMs());
  }
}
