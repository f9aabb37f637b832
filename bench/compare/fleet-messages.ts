/** The IPC messages between the bench and its worker processes (`worker-process.ts`). */

export type ParentMessage = { type: 'start' } | { type: 'rss' } | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready' }
  /** Jobs handled since the last report, and start − enqueue in ms of the latency jobs among them. */
  | { type: 'handled'; count: number; latencies: number[] }
  | { type: 'rss'; rss: number; heapUsed: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };
