/**
 * One LISTEN connection per store, shared by every subscriber in the process. It connects when the
 * first subscriber arrives and stays until the store closes. When the connection drops (server
 * restart, `pg_terminate_backend`, network), it reconnects with exponential backoff and jitter and
 * LISTENs again; notices sent meanwhile are lost, which is why workers keep polling as a fallback.
 */
import pg from 'pg';
import type { Logger } from '../logger.js';
import type { StoreNotice } from '../store/store.js';
import { NOTICE_CANCEL_PREFIX, NOTICE_JOBS_PREFIX } from './queries.js';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

export class NoticeListener {
  private readonly listeners = new Set<(notice: StoreNotice) => void>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly listenStatement: string,
    private readonly logger: Logger | null,
  ) {}

  /** Call `listener` with every notice until the returned function is called. */
  subscribe(listener: (notice: StoreNotice) => void): () => void {
    this.listeners.add(listener);
    if (this.client === null && this.connecting === null && this.reconnectTimer === null) this.connect();
    return () => void this.listeners.delete(listener);
  }

  /** Resolves once the LISTEN is in place (or the attempt failed); for tests and start-up. */
  async ready(): Promise<void> {
    await this.connecting;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    await this.connecting;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private connect(): void {
    this.connecting = this.openClient().finally(() => (this.connecting = null));
  }

  private async openClient(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('error', (error) => this.onLost(client, error));
    client.on('end', () => this.onLost(client, null));
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload !== undefined) this.deliver(message.payload);
    });
    try {
      await client.connect();
      await client.query(this.listenStatement);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.onLost(client, error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    if (this.failures > 0) this.logger?.info({ attempts: this.failures }, 'store notices: listening again');
    this.failures = 0;
    this.client = client;
  }

  /** The connection failed or dropped: forget it and try again later, once per lost client. */
  private onLost(client: pg.Client, error: unknown): void {
    if (this.client !== null && this.client !== client) return;
    this.client = null;
    if (this.closed || this.reconnectTimer !== null) return;
    this.failures += 1;
    const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** (this.failures - 1));
    const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    if (this.failures === 1 || this.failures % 10 === 0) {
      this.logger?.warn({ err: error, retryInMs: delayMs, attempts: this.failures }, 'store notices: connection lost; reconnecting (workers poll meanwhile)');
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed && this.client === null && this.connecting === null) this.connect();
    }, delayMs);
  }

  private deliver(payload: string): void {
    let notice: StoreNotice;
    if (payload.startsWith(NOTICE_JOBS_PREFIX)) notice = { kind: 'jobs-available', queues: [payload.slice(NOTICE_JOBS_PREFIX.length)] };
    else if (payload.startsWith(NOTICE_CANCEL_PREFIX)) notice = { kind: 'cancel-requested', jobId: payload.slice(NOTICE_CANCEL_PREFIX.length) };
    else return;
    for (const listener of this.listeners) listener(notice);
  }
}
