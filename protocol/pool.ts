// A fixed set of connections; each request batch goes to the least-loaded live connection
// under the pipeline-depth limit, or waits in a FIFO. Lost connections are replaced lazily.
// Knows nothing about HTTP or plans.

import type { ConnInfo } from './conninfo.js';
import { Connection, type ConnectionOptions, type Query, type QueryResult } from './connection.js';
import { ClientError } from './errors.js';

export interface PoolOptions extends ConnectionOptions {
  readonly size: number;
  /** Batches in flight per connection before the pool looks elsewhere. */
  readonly pipelineDepth: number;
  /** Milliseconds a batch may wait for a connection before POOL_TIMEOUT. */
  readonly acquisitionTimeoutMs: number;
}

interface Waiter {
  readonly queries: readonly Query[];
  readonly resolve: (r: QueryResult[]) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class Pool {
  private readonly info: ConnInfo;
  private readonly options: PoolOptions;
  private readonly slots: (Connection | null)[];
  private readonly connecting: (Promise<Connection> | null)[];
  private readonly waiters: Waiter[] = [];
  private ended = false;

  constructor(info: ConnInfo, options: PoolOptions) {
    this.info = info;
    this.options = options;
    this.slots = new Array<Connection | null>(options.size).fill(null);
    this.connecting = new Array<Promise<Connection> | null>(options.size).fill(null);
  }

  /** Run one batch (one implicit transaction) on some connection. */
  run(queries: readonly Query[]): Promise<QueryResult[]> {
    if (this.ended) return Promise.reject(new ClientError('CONNECTION_CLOSED', 'pool is closed'));
    const conn = this.pick();
    if (conn !== null) return this.dispatch(conn, queries);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.timer === timer);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new ClientError('POOL_TIMEOUT', 'Timed out acquiring connection from connection pool.'));
      }, this.options.acquisitionTimeoutMs);
      this.waiters.push({ queries, resolve, reject, timer });
      this.fill();
    });
  }

  /** Open every missing connection now; resolves when at least one is usable. */
  async warm(): Promise<void> {
    this.fill();
    const attempts = this.connecting.filter((p): p is Promise<Connection> => p !== null);
    if (this.slots.some((c) => c !== null)) return;
    await Promise.any(attempts).catch((e: AggregateError) => {
      throw e.errors[0] instanceof Error ? e.errors[0] : new Error('could not connect');
    });
  }

  private pick(): Connection | null {
    let best: Connection | null = null;
    for (const c of this.slots) {
      if (c === null || c.isClosed) continue;
      if (c.inFlight >= this.options.pipelineDepth) continue;
      if (best === null || c.inFlight < best.inFlight) best = c;
      if (best.inFlight === 0) break;
    }
    if (best === null || best.inFlight > 0) this.fill();
    return best;
  }

  private fill(): void {
    for (let i = 0; i < this.slots.length; i++) {
      if (this.slots[i] === null && this.connecting[i] === null && !this.ended) this.open(i);
    }
  }

  private open(i: number): void {
    const attempt = Connection.connect(this.info, this.options);
    this.connecting[i] = attempt;
    attempt.then(
      (conn) => {
        this.connecting[i] = null;
        if (this.ended) {
          void conn.close();
          return;
        }
        this.slots[i] = conn;
        conn.onClose(() => {
          if (this.slots[i] === conn) this.slots[i] = null;
        });
        this.drain();
      },
      (err: unknown) => {
        this.connecting[i] = null;
        // Fail waiters only when nothing can serve them; they keep their own timeout otherwise.
        if (this.slots.every((c) => c === null) && this.connecting.every((p) => p === null)) {
          const error = err instanceof Error ? err : new Error(String(err));
          for (const w of this.waiters.splice(0)) {
            clearTimeout(w.timer);
            w.reject(error);
          }
        }
      },
    );
    // Rejections are handled above; this keeps Node from reporting them as unhandled.
    attempt.catch(() => undefined);
  }

  private drain(): void {
    while (this.waiters.length > 0) {
      const conn = this.pick();
      if (conn === null) return;
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      this.dispatch(conn, w.queries).then(w.resolve, w.reject);
    }
  }

  private dispatch(conn: Connection, queries: readonly Query[]): Promise<QueryResult[]> {
    const p = conn.send(queries);
    // A finished batch frees a pipeline slot: let a waiter have it.
    const next = (): void => {
      if (this.waiters.length > 0) this.drain();
    };
    p.then(next, next);
    return p;
  }

  /** Forget prepared statements on every connection (after a schema reload). */
  clearStatementCaches(): void {
    for (const c of this.slots) c?.clearStatementCache();
  }

  async end(): Promise<void> {
    this.ended = true;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new ClientError('CONNECTION_CLOSED', 'pool is closed'));
    }
    await Promise.all(this.slots.map((c) => c?.close()));
    this.slots.fill(null);
  }
}
