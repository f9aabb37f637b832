/** Runs an async step every `intervalMs`, never two at once; `stop` waits for the step in flight. */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly step: () => Promise<void>,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Run the step now (unless it is already running), then keep the usual rhythm. */
  async runNow(): Promise<void> {
    if (this.running !== null) return this.running;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.step().finally(() => {
      this.running = null;
      this.schedule();
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runNow();
    }, this.intervalMs);
  }
}
