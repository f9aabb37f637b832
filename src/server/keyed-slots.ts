/**
 * Slots counted per key (a token, a client address), at most `max` held per key at once: what caps
 * event streams per token and connections per address. Each slot taken is given back exactly once.
 */
export class KeyedSlots {
  private readonly held = new Map<string, number>();

  /** `max`: slots per key; 0 for no cap. */
  constructor(private readonly max: number) {}

  /** A slot for `key` and the function that gives it back, or null when `key` holds `max` already. */
  take(key: string): (() => void) | null {
    const count = this.held.get(key) ?? 0;
    if (this.max > 0 && count >= this.max) return null;
    this.held.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left === 0) this.held.delete(key);
      else this.held.set(key, left);
    };
  }
}
