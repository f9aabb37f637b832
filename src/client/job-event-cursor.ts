/**
 * A reader's position in the store's job event log (`store.events.list`), for one `GET /events`
 * stream (`conveyor.openJobEventCursor`): it hands out each event once, in seq order, and says when
 * events may have been missed.
 *
 * Gaps. A seq missing between the position and the next event is either an event the log no
 * longer holds (pruned past retention, or lost in a PostgreSQL crash: the log is UNLOGGED), or, on a
 * store whose events are not visible in commit order (PostgreSQL), an event whose transaction has
 * not committed yet or rolled back. On such a store the cursor stops at a gap for up to `gapWaitMs`,
 * so a late commit is still delivered in order; past that it moves on and reports a `reset`: the
 * reader should refetch what it shows, as something may have changed unseen. A gap below the oldest
 * event the log holds is never going to fill, and is reported at once.
 */
import type { JobEvent, Store } from '../store/store.js';

/** What one `read` hands out, in order. */
export type CursorItem = { kind: 'event'; event: JobEvent } | { kind: 'reset'; reason: string };

export interface JobEventCursorOptions {
  store: Pick<Store, 'events' | 'capabilities'>;
  /**
   * The last seq the reader saw (its `Last-Event-ID`): events after it are handed out. Null starts
   * at the newest event: the reader sees only what happens from now on.
   */
  afterSeq: string | null;
  /** How long to wait at a gap for a late commit (stores without `eventsInCommitOrder` only). @default 3000 */
  gapWaitMs?: number;
  /** Events per store call. @default 500 */
  pageSize?: number;
  /** Milliseconds now; tests pass their own clock. @default Date.now */
  clock?: () => number;
}

export const DEFAULT_GAP_WAIT_MS = 3000;

export class JobEventCursor {
  private gapSeenAt: { seq: bigint; at: number } | null = null;

  private constructor(
    private readonly options: Required<Omit<JobEventCursorOptions, 'afterSeq'>>,
    /** The seq of the last event handed out (or passed over). */
    private position: bigint,
    private pending: CursorItem[],
  ) {}

  static async open(options: JobEventCursorOptions): Promise<JobEventCursor> {
    const resolved = { gapWaitMs: DEFAULT_GAP_WAIT_MS, pageSize: 500, clock: Date.now, ...options };
    const { oldestSeq, latestSeq } = await options.store.events.bounds();
    if (options.afterSeq === null) return new JobEventCursor(resolved, BigInt(latestSeq ?? 0), []);
    const after = BigInt(options.afterSeq);
    if (oldestSeq !== null && after + 1n < BigInt(oldestSeq)) {
      // The events right after the reader's are gone: say so first, then go on from the oldest kept.
      const reset: CursorItem = { kind: 'reset', reason: `events after ${options.afterSeq} are past the event retention; the oldest kept is ${oldestSeq}` };
      return new JobEventCursor(resolved, BigInt(oldestSeq) - 1n, [reset]);
    }
    return new JobEventCursor(resolved, after, []);
  }

  /** The seq of the last event handed out or passed over: a reader resuming from here misses nothing the cursor gave. */
  get seq(): string {
    return String(this.position);
  }

  /** Every event the log holds after the position, up to the first gap still worth waiting at. */
  async read(): Promise<CursorItem[]> {
    const items = this.pending;
    this.pending = [];
    for (;;) {
      const page = await this.options.store.events.list({ afterSeq: String(this.position), limit: this.options.pageSize });
      const { handedOut, blocked } = this.take(page, items);
      if (blocked || !handedOut || page.length < this.options.pageSize) return items;
    }
  }

  /** Hand out the events of `page` that follow the position without a gap (or past a gap given up on). */
  private take(page: JobEvent[], items: CursorItem[]): { handedOut: boolean; blocked: boolean } {
    let handedOut = false;
    for (const event of page) {
      const seq = BigInt(event.seq);
      if (seq !== this.position + 1n && !this.giveUpOnGap(seq, items)) return { handedOut, blocked: true };
      this.gapSeenAt = null;
      this.position = seq;
      items.push({ kind: 'event', event });
      handedOut = true;
    }
    return { handedOut, blocked: false };
  }

  /** Whether to move past the gap before `next` now (pushing a reset), rather than wait for it to fill. */
  private giveUpOnGap(next: bigint, items: CursorItem[]): boolean {
    const missing = `${this.position + 1n}${next - 1n > this.position + 1n ? `–${next - 1n}` : ''}`;
    if (this.options.store.capabilities.eventsInCommitOrder) {
      items.push({ kind: 'reset', reason: `events ${missing} are no longer in the log` });
      return true;
    }
    const now = this.options.clock();
    if (this.gapSeenAt === null || this.gapSeenAt.seq !== this.position + 1n) this.gapSeenAt = { seq: this.position + 1n, at: now };
    if (now - this.gapSeenAt.at < this.options.gapWaitMs) return false;
    items.push({ kind: 'reset', reason: `events ${missing} did not appear within ${this.options.gapWaitMs} ms (rolled back, or committed later)` });
    return true;
  }
}
