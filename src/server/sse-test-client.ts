/**
 * A Server-Sent Events client for the tests, reading a real HTTP response body the way EventSource
 * does (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * `id:` sets the last event id even on a block with no data, comment lines are ignored, a blank
 * line dispatches.
 */
export interface SseMessage {
  event: string;
  data: string;
  /** The last event id once this message arrived (what a reconnect sends as Last-Event-ID). */
  lastEventId: string;
}

export interface SseConnection {
  status: number;
  messages: SseMessage[];
  /** The id a reconnect would send now. */
  lastEventId(): string;
  /** Resolves once some message satisfies `match`, waiting up to `timeoutMs`. */
  waitFor(match: (messages: SseMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function connectSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const messages: SseMessage[] = [];
  let lastEventId = '';
  const waiters = new Set<() => void>();
  const reading = (async () => {
    if (response.body === null) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let event = '';
    let data: string[] = [];
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, '');
          buffer = buffer.slice(newline + 1);
          if (line === '') {
            if (data.length > 0) messages.push({ event: event || 'message', data: data.join('\n'), lastEventId });
            event = '';
            data = [];
            for (const wake of waiters) wake();
          } else if (!line.startsWith(':')) {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event = value;
            else if (field === 'data') data.push(value);
            else if (field === 'id') lastEventId = value;
          }
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    status: response.status,
    messages,
    lastEventId: () => lastEventId,
    waitFor: (match, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!match(messages)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`SSE: awaited messages not seen within ${timeoutMs} ms; got:\n${messages.map((m) => `${m.event} ${m.data}`).join('\n')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

/** The job events among `messages`, parsed. */
export function jobEvents(
  messages: SseMessage[],
): Array<{ seq: string; jobId: string; state: string; attempt: number; progress: { fraction: number } | null; task: string; queue: string; at: string; artifact: { name: string; size: number; contentType: string } | null; step: { name: string; kind: string; status: string } | null }> {
  return messages.filter((message) => message.event === 'job').map((message) => JSON.parse(message.data));
}
