// Up to `size` connections, opened on demand. A batch goes to an idle connection, else waits
// for a new one while the pool is below `size`, else is pipelined onto the least-loaded
// connection whose running batch is not yet slow, else waits in a FIFO (acquisition timeout).
// The timeout counts until a batch starts: a read-only one pipelined behind a batch that
// turned slow moves to an idle connection, else is refused at the timeout too (startWithin);
// a write pipelined behind others keeps its place, guarded by a first statement that fails its
// transaction, in PostgreSQL, should it start after the timeout (start-guard.ts; each
// connection's clock offset is read once at connect): refused then too, and provably not
// applied. A batch sent to an idle connection starts at once: no guard, no watch.
// While the server is unreachable batches fail at once and reconnects follow a 1→32 s
// backoff. Idle and old connections are recycled. Knows nothing about HTTP or plans.

import type { ConnInfo } from './conninfo.js';
import { Connection, type BatchHandle, type ConnectionOptions, type Query, type QueryResult } from './connection.js';
import { ClientError, PgError } from './errors.js';
import type { AbortHook } from './abort.js';
import { isGuardFailure, startGuard } from './start-guard.js';

export interface PoolOptions extends ConnectionOptions {
  readonly size: number;
  /** Batches in flight per connection before the pool looks elsewhere. */
  readonly pipelineDepth: number;
  /** Milliseconds a batch may wait for a connection before POOL_TIMEOUT. */
  readonly acquisitionTimeoutMs: number;

  /** Close a connection idle this long (0 = never). */
  readonly maxIdleMs?: number;
  /** Close a connection this old once it is idle (0 = never). */
  readonly maxLifetimeMs?: number;
}

// Reconnect schedule: 1 s, 2 s, 4 s … capped at 32 s, as PostgREST does.
export const BACKOFF_FIRST_MS = 1000;
/** A pipelined read not started after this long looks for an idle connection to move to. */
const MOVE_AFTER_MS = 50;
export const BACKOFF_MAX_MS = 32000;

/** Delay before reconnect attempt number `failures` (1 = after the first failure). */
export function backoffDelayMs(failures: number): number {
  if (failures <= 1) return BACKOFF_FIRST_MS;
  // Cap the exponent before shifting so a long outage never overflows.
  const exp = Math.min(failures - 1, 5);
  return Math.min(BACKOFF_FIRST_MS * 2 ** exp, BACKOFF_MAX_MS);
}

/** Whole seconds for a Retry-After header: never 0, so clients always wait a little. */
export function retryAfterSeconds(untilMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((untilMs - nowMs) / 1000));
}


/** How a batch may be treated before it runs (what the caller knows of it). */
export interface RunOptions {
  /**
   * The batch runs in a read-only transaction, so answering it before it runs is safe: when
   * it was pipelined and has not started by db-pool-acquisition-timeout (what ran ahead of it
   * turned slow), it moves to an idle connection or gets POOL_TIMEOUT, and is cancelled if it
   * starts later. A write is never answered before it runs: it keeps its place, behind a
   * guard that fails its transaction should it start after the timeout (POOL_TIMEOUT then).
   */
  readonly readOnly?: boolean;
}

const poolTimeout = (): ClientError => new ClientError('POOL_TIMEOUT', 'Timed out acquiring connection from connection pool.');

interface Waiter {
  readonly queries: readonly Query[];
  readonly signal: AbortHook | undefined;
  /** When the batch must have started (ms since epoch): run's time plus the acquisition timeout. */
  readonly startBy: number;
  readonly readOnly: boolean;
  readonly resolve: (r: QueryResult[]) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class Pool {
  private readonly info: ConnInfo;
  private readonly options: PoolOptions;
  /** What each connection is opened with: the pool's options plus its own cancel callback. */
  private readonly connOptions: ConnectionOptions;
  private readonly slots: (Connection | null)[];
  private readonly connecting: (Promise<Connection> | null)[];
  private readonly waiters: Waiter[] = [];
  /** Batches that gave up waiting for a connection (for pgrst_db_pool_timeouts_total). */
  private timeouts = 0;
  private ended = false;
  /** Batches handed to a connection since start: lets tests prove a request never used the pool. */
  dispatched = 0;
  /** Consecutive failed connects while no connection was alive; 0 when healthy. */
  private failures = 0;
  /** While the server is unreachable: when the next reconnect attempt runs, and its error. */
  private down: { readonly until: number; readonly error: Error; readonly timer: NodeJS.Timeout } | null = null;
  private readonly reaper: NodeJS.Timeout | null;

  constructor(info: ConnInfo, options: PoolOptions) {
    this.info = info;
    this.options = options;
    this.connOptions = { ...options, onCancelDelivered: () => this.drain() };
    this.slots = new Array<Connection | null>(options.size).fill(null);
    this.connecting = new Array<Promise<Connection> | null>(options.size).fill(null);
    const limits = [options.maxIdleMs ?? 0, options.maxLifetimeMs ?? 0].filter((ms) => ms > 0);
    // Check a few times per limit so a connection outlives it by a fraction at most.
    this.reaper = limits.length === 0 ? null : setInterval(() => this.reap(), Math.max(50, Math.min(...limits) / 4));
    this.reaper?.unref();
  }

  /**
   * Run one batch (one implicit transaction) on some connection. When `signal` aborts (the
   * HTTP client went away), a waiting batch leaves the queue and a sent one is cancelled when
   * it runs; a pipelined neighbour that the cancel hits instead is re-sent (Connection).
   */
  run(queries: readonly Query[], signal?: AbortHook, options?: RunOptions): Promise<QueryResult[]> {
    if (this.ended) return Promise.reject(new ClientError('CONNECTION_CLOSED', 'pool is closed'));
    if (this.down !== null) return Promise.reject(this.downError());
    if (signal?.aborted === true) return Promise.reject(new ClientError('ABORTED', 'the request was aborted'));
    const readOnly = options?.readOnly === true;
    const conn = this.pick();
    if (conn !== null) return this.dispatch(conn, queries, signal, Date.now() + this.options.acquisitionTimeoutMs, readOnly);
    return new Promise((resolve, reject) => {
      const leave = (): boolean => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        signal?.removeEventListener('abort', onAbort);
        return i >= 0;
      };
      const onAbort = (): void => {
        if (!leave()) return;
        clearTimeout(waiter.timer);
        reject(new ClientError('ABORTED', 'the request was aborted'));
      };
      const timer = setTimeout(() => {
        leave();
        this.timeouts++;
        reject(poolTimeout());
      }, this.options.acquisitionTimeoutMs);
      const waiter: Waiter = { queries, signal, startBy: Date.now() + this.options.acquisitionTimeoutMs, readOnly, resolve, reject, timer };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.grow();
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

  /**
   * An idle connection; else null while a new one can be opened or is being opened (the batch
   * waits for it, or for any connection to go idle); else the least-loaded connection under its pipeline
   * depth whose running batch is not yet slow; else null (wait).
   */
  private pick(): Connection | null {
    let best: Connection | null = null;
    // A free slot or one whose connection is on its way: wait for that rather than pipeline.
    let growing = false;
    let now = 0;
    for (let i = 0; i < this.slots.length; i++) {
      const c = this.slots[i]!;
      if (c === null || c.isClosed) {
        growing = true;
        continue;
      }
      if (c.isFull) continue;
      const n = c.inFlight;
      if (n === 0) return c;
      if (best !== null && n >= best.inFlight) continue;
      if (now === 0) now = Date.now();
      if (c.acceptsPipelined(now)) best = c;
    }
    if (growing) {
      this.grow();
      return null;
    }
    return best;
  }

  /** Open one more connection, unless as many are on their way as batches wait (one at least). */
  private grow(): void {
    if (this.down !== null || this.ended) return;
    let opening = 0;
    for (const p of this.connecting) if (p !== null) opening++;
    if (opening >= Math.max(1, this.waiters.length)) return;
    const i = this.slots.findIndex((c, j) => (c === null || c.isClosed) && this.connecting[j] === null);
    if (i >= 0) this.open(i);
  }

  private fill(): void {
    // While down only the backoff timer reconnects, so a burst of requests is not a burst of connects.
    if (this.down !== null) return;
    for (let i = 0; i < this.slots.length; i++) {
      if (this.slots[i] === null && this.connecting[i] === null && !this.ended) this.open(i);
    }
  }

  private downError(): ClientError {
    const down = this.down!;
    const msg = `${down.error.message} (next attempt in ${retryAfterSeconds(down.until, Date.now())} s)`;
    return new ClientError('CONNECT_FAILED', msg, retryAfterSeconds(down.until, Date.now()));
  }

  /** A connect failed with nothing alive: fail waiters now and retry after the backoff. */
  private markDown(error: Error): void {
    if (this.ended || this.down !== null) return;
    this.failures++;
    const delay = backoffDelayMs(this.failures);
    const timer = setTimeout(() => {
      this.down = null;
      this.grow();
    }, delay);
    timer.unref();
    this.down = { until: Date.now() + delay, error, timer };
    const failure = this.downError();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(failure);
    }
  }

  /** Close connections past db-pool-max-idletime, and past db-pool-max-lifetime once idle. */
  private reap(): void {
    const now = Date.now();
    const idle = this.options.maxIdleMs ?? 0;
    const life = this.options.maxLifetimeMs ?? 0;
    for (let i = 0; i < this.slots.length; i++) {
      const c = this.slots[i];
      if (c === null || c === undefined || c.inFlight > 0) continue;
      if ((idle > 0 && now - c.lastActiveAt >= idle) || (life > 0 && now - c.createdAt >= life)) {
        this.slots[i] = null;
        void c.close();
      }
    }
  }

  /**
   * The DateStyle to start connections with: 'ISO' until the server's canonical spelling of it
   * is known (e.g. "ISO, MDY": the same output, and the date order the server had anyway).
   */
  private dateStyle: { readonly value: string; readonly learned: boolean } = { value: 'ISO', learned: false };

  /**
   * Connect, in the DateStyle spelling the server itself uses. PgBouncer before 1.22 compares
   * a client's startup DateStyle with the server's as text and, on a mismatch, injects `SET
   * DateStyle` at every server link, so every transaction (pgbouncer#776); injected after part
   * of a pipelined batch it wedged the connection for good (scale-pgbouncer.test.ts). A server
   * reports its spelling in ParameterStatus; a pooler echoes the client's own value, so when
   * the report is ours the first connection asks the server, and is reopened once when the
   * spelling differs.
   */
  private async connectCanonical(): Promise<Connection> {
    const style = this.dateStyle;
    const conn = await Connection.connect(this.info, { ...this.connOptions, dateStyle: style.value });
    if (style.learned) return conn;
    const reported = conn.parameters.get('DateStyle');
    if (reported !== undefined && reported !== style.value) {
      // The server itself answered, in its spelling; it does not mind ours, so no reopen.
      this.dateStyle = { value: reported.startsWith('ISO') ? reported : style.value, learned: true };
      return conn;
    }
    // Already its spelling, or a pooler echoing ours: the server's own setting tells.
    let value: string;
    try {
      const [r] = await conn.send([{ text: "select pg_catalog.current_setting('DateStyle')", params: [] }]);
      value = r?.rows[0]?.[0]?.toString('utf8') ?? style.value;
    } catch {
      return conn;
    }
    this.dateStyle = { value: value.startsWith('ISO') ? value : style.value, learned: true };
    if (this.dateStyle.value === style.value) return conn;
    void conn.close();
    return Connection.connect(this.info, { ...this.connOptions, dateStyle: this.dateStyle.value });
  }

  private open(i: number): void {
    const attempt = this.connectCanonical().then(async (conn) => {
      // Its clock, for the start guard of writes pipelined onto it; should reading it fail on a
      // live connection, such writes only go unguarded.
      await conn.measureClock().catch((err: unknown) => {
        if (conn.isClosed) throw err;
      });
      return conn;
    });
    this.connecting[i] = attempt;
    attempt.then(
      (conn) => {
        this.connecting[i] = null;
        if (this.ended) {
          void conn.close();
          return;
        }
        this.failures = 0;
        this.slots[i] = conn;
        conn.onClose(() => {
          if (this.slots[i] === conn) this.slots[i] = null;
        });
        this.drain();
      },
      (err: unknown) => {
        this.connecting[i] = null;
        // Down only when nothing can serve; otherwise waiters keep their own timeout.
        if (this.slots.every((c) => c === null || c.isClosed) && this.connecting.every((p) => p === null)) {
          this.markDown(err instanceof Error ? err : new Error(String(err)));
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
      this.dispatch(conn, w.queries, w.signal, w.startBy, w.readOnly).then(w.resolve, w.reject);
    }
  }

  /**
   * `startBy` > 0: the batch's deadline to start, should it be pipelined behind others; a read
   * is then watched (startWithin), a write guarded (guarded). On an idle connection it starts
   * at once: neither costs anything there.
   */
  private dispatch(conn: Connection, queries: readonly Query[], signal: AbortHook | undefined, startBy: number, readOnly: boolean): Promise<QueryResult[]> {
    this.dispatched++;
    const pipelined = startBy > 0 && conn.inFlight > 0;
    // Without a clock offset (its measurement failed) a write keeps its place unguarded.
    const offset = pipelined && !readOnly ? conn.clockOffsetMs : null;
    const handle = conn.submit(offset === null ? queries : [startGuard(startBy, offset), ...queries]);
    const p = offset !== null ? this.guarded(handle.promise) : pipelined ? this.startWithin(conn, handle, queries, signal, startBy) : handle.promise;
    // The client went away after the batch was sent: cancel it when it runs.
    const onAbort = (): void => {
      void conn.abortBatch(handle).then(() => this.drain());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // A finished batch frees a pipeline slot: let a waiter have it.
    const next = (): void => {
      signal?.removeEventListener('abort', onAbort);
      if (this.waiters.length > 0) this.drain();
    };
    handle.promise.then(next, next);
    return p;
  }

  /**
   * A read-only batch pipelined behind others, not started after MOVE_AFTER_MS (a batch ahead
   * turned slow after it was assigned): it moves to an idle connection when there is one (the
   * sent copy is cancelled should it start; a read run twice changes nothing). Not started
   * by `startBy`: POOL_TIMEOUT, as if it had waited in the queue. Replies already received are
   * read first, so a batch that started in time is never moved or refused.
   */
  private startWithin(conn: Connection, handle: BatchHandle, queries: readonly Query[], signal: AbortHook | undefined, startBy: number): Promise<QueryResult[]> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      let left = false;
      const leave = (): void => {
        left = true;
        void conn.abortBatch(handle).then(() => this.drain());
      };
      const check = (): void => {
        timer = null;
        if (left || conn.hasStarted(handle)) return;
        if (Date.now() >= startBy) {
          this.timeouts++;
          leave();
          reject(poolTimeout());
          return;
        }
        const other = this.idleConnection();
        if (other !== null) {
          leave();
          this.dispatch(other, queries, signal, 0, true).then(resolve, reject);
          return;
        }
        arm();
      };
      // setImmediate: the poll phase runs first, so a ReadyForQuery already on the socket counts.
      const arm = (): void => {
        timer = setTimeout(() => setImmediate(check), Math.max(0, Math.min(MOVE_AFTER_MS, startBy - Date.now())));
      };
      arm();
      handle.promise.then(
        (r) => {
          if (timer !== null) clearTimeout(timer);
          if (!left) resolve(r);
        },
        (e: unknown) => {
          if (timer !== null) clearTimeout(timer);
          if (!left) reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /**
   * The outcome of a write sent with a start guard first (start-guard.ts), as if sent without
   * it: the guard's result is dropped. The guard failing means the batch started after its
   * deadline and its transaction rolled back before any other statement ran: POOL_TIMEOUT,
   * as for a read refused at that deadline, and provably not applied.
   */
  private guarded(p: Promise<QueryResult[]>): Promise<QueryResult[]> {
    return p.then(
      (results) => results.slice(1),
      (err: unknown) => {
        if (isGuardFailure(err)) {
          this.timeouts++;
          throw poolTimeout();
        }
        if (err instanceof PgError) err.completed = err.completed.slice(1);
        throw err;
      },
    );
  }

  /** A connection with nothing in flight, else null (opening one more if the pool may grow). */
  private idleConnection(): Connection | null {
    for (const c of this.slots) if (c !== null && !c.isClosed && !c.isFull && c.inFlight === 0) return c;
    if (this.slots.some((c) => c === null || c.isClosed)) this.grow();
    return null;
  }

  /** Batches in flight or waiting: how busy the pool is, to pick the least-loaded of several. */
  get load(): number {
    let n = this.waiters.length;
    for (const c of this.slots) if (c !== null) n += c.inFlight;
    return n;
  }

  /** Figures for the metrics endpoint: size, connections with spare pipeline room, waiters. */
  stats(): { max: number; available: number; waiting: number; timeouts: number } {
    let available = 0;
    for (const c of this.slots) if (c !== null && !c.isClosed && c.inFlight < this.options.pipelineDepth) available++;
    return { max: this.slots.length, available, waiting: this.waiters.length, timeouts: this.timeouts };
  }

  /** What the server reported for a run-time parameter (ParameterStatus), per open connection. */
  parameter(name: string): (string | undefined)[] {
    return this.slots.filter((c): c is Connection => c !== null && !c.isClosed).map((c) => c.parameters.get(name));
  }

  /** Forget prepared statements on every connection (after a schema reload). */
  clearStatementCaches(): void {
    for (const c of this.slots) c?.clearStatementCache();
  }

  async end(): Promise<void> {
    this.ended = true;
    if (this.reaper !== null) clearInterval(this.reaper);
    if (this.down !== null) clearTimeout(this.down.timer);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new ClientError('CONNECTION_CLOSED', 'pool is closed'));
    }
    await Promise.all(this.slots.map((c) => c?.close()));
    this.slots.fill(null);
  }
}
