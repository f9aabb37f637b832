/**
 * For tests: an HTTP request over a real socket from a chosen loopback source address (127.0.0.2…),
 * so one test can act as several clients. `fetch` cannot pick its source address without a
 * dispatcher package; `node:http` can.
 */
import { request } from 'node:http';

export interface LoopbackResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface LoopbackRequest {
  /** @example '127.0.0.2' */
  from: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Send one request to `url` from `from` on a connection of its own, and read the whole answer. */
export function requestFrom(url: string, { from, method = 'GET', headers = {}, body }: LoopbackRequest): Promise<LoopbackResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers, localAddress: from, agent: false }, (incoming) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (text += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: text }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
