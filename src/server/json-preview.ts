/**
 * The start of a value's JSON text, computed in time proportional to the preview, not to the value:
 * a list of fifty jobs with inputs of several MB each must not serialize them all to show 200
 * characters of each.
 */

/** Characters of a preview when the caller does not say. */
export const DEFAULT_PREVIEW_CHARS = 200;

/**
 * Compact JSON of `value`, cut to `maxChars` characters with `…` appended when cut. Values JSON
 * cannot hold (undefined, functions, bigints) read as `null`; `toJSON` is not called (stored job data
 * is plain JSON already).
 *
 * @example jsonPreview({ to: 'ada@example.com', body: 'x'.repeat(5_000_000) }, 40) // '{"to":"ada@example.com","body":"xxxxxxx…'
 */
export function jsonPreview(value: unknown, maxChars: number = DEFAULT_PREVIEW_CHARS): string {
  const out = new BoundedText(maxChars);
  write(value, out);
  return out.toString();
}

/** Text that stops growing once it holds more than `max` characters. */
class BoundedText {
  private readonly parts: string[] = [];
  private length = 0;

  constructor(private readonly max: number) {}

  /** Whether more than `max` characters were written: anything further is dropped. */
  get full(): boolean {
    return this.length > this.max;
  }

  /** How many characters fit before the text is over `max`. */
  get room(): number {
    return this.max - this.length;
  }

  push(text: string): void {
    if (this.full) return;
    this.parts.push(text);
    this.length += text.length;
  }

  toString(): string {
    const text = this.parts.join('');
    return this.full ? `${text.slice(0, this.max)}…` : text;
  }
}

// Each call writes at least one character before recursing, so depth stays under `max` whatever the nesting.
function write(value: unknown, out: BoundedText): void {
  if (out.full) return;
  if (typeof value === 'string') {
    // One character past the room is enough to know the text is cut.
    out.push(JSON.stringify(value.length > out.room ? value.slice(0, Math.max(0, out.room) + 1) : value));
  } else if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    out.push(JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push('[');
    for (let index = 0; index < value.length && !out.full; index++) {
      if (index > 0) out.push(',');
      write(value[index], out);
    }
    out.push(']');
  } else if (typeof value === 'object') {
    out.push('{');
    let first = true;
    for (const key in value) {
      if (out.full) break;
      if (!Object.hasOwn(value, key)) continue;
      out.push(`${first ? '' : ','}${JSON.stringify(key.length > out.room ? key.slice(0, Math.max(0, out.room) + 1) : key)}:`);
      write((value as Record<string, unknown>)[key], out);
      first = false;
    }
    out.push('}');
  } else {
    out.push('null');
  }
}
