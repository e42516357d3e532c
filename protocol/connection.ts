// One PostgreSQL connection's batch queue: pipelined extended-query batches, each ending in its
// own Sync so it is its own implicit transaction, replies matched to batches in order; prepared
// statements through the statement cache, the one retry after a stale plan or a neighbour's
// late cancel, cancelling a batch whose client went away, and reading the server's clock once
// (start-guard.ts). The socket, the handshake and reading replies are wire.ts's. Knows nothing
// about HTTP or plans.

import { serialize } from 'pg-protocol';
import type { BackendMessage, DatabaseError } from 'pg-protocol/dist/messages.js';
import type { ConnInfo } from './conninfo.js';
import { readDataRow } from './datarow.js';
import { ClientError, isStalePlan, toPgError } from './errors.js';
import { StatementCache, statementKey } from './statement-cache.js';
import { sendCancel } from './transport.js';
import { CLOCK_QUERY, clockOffsetMs } from './start-guard.js';
import { Wire, type WireOptions } from './wire.js';
import type { Batch, BatchHandle, Query, QueryResult } from './batch.js';

export type { BatchHandle, Query, QueryResult } from './batch.js';

export interface ConnectionOptions extends WireOptions {
  readonly statementCacheSize: number;
  readonly preparedStatements: boolean;
  /** Batches in flight before this connection reports itself full (default: unbounded). */
  readonly pipelineDepth?: number;
  /**
   * A batch that ran this long (ms) is slow: see `acceptsPipelined` (default 10: above a
   * loaded event loop's lag on fast statements, far below a slow statement's run).
   */
  readonly slowAfterMs?: number;
  /** A CancelRequest sent on the connection's own initiative was delivered (the pool drains). */
  readonly onCancelDelivered?: () => void;
}

// Constant messages built once (pg-protocol returns fresh buffers; these are never mutated).
const syncMessage = serialize.sync();
const executeMessage = serialize.execute({});
/** A batch still running this long after its CancelRequest was delivered gets another one. */
const RECANCEL_MS = 250;
const MAX_CANCELS = 8;
/** SQLSTATE query_canceled: what a CancelRequest makes the running statement fail with. */
const QUERY_CANCELED = '57014';

export class Connection extends Wire<ConnectionOptions> {
  private readonly queue: Batch[] = [];
  private queueHead = 0;
  private readonly cache: StatementCache;
  /** For pool recycling (db-pool-max-lifetime, db-pool-max-idletime). */
  readonly createdAt = Date.now();
  lastActiveAt = Date.now();
  private cancelState: 'none' | 'sending' | 'sent' = 'none';
  /** The batch the current CancelRequest is meant for; another one it hits is re-sent. */
  private cancelTarget: Batch | null = null;
  /** When the batch now at the head of the pipeline started running (ms since epoch). */
  private headSince = 0;
  /** In-flight batches not known to be fast: nothing is pipelined behind them. */
  private unknownInFlight = 0;
  private readonly slowAfterMs: number;
  /** Batches re-sent because a CancelRequest meant for a neighbour hit them (tests). */
  resentAfterCancel = 0;
  /** The server's clock minus ours (ms), from `measureClock`; null until measured or if that failed. */
  clockOffsetMs: number | null = null;

  private constructor(info: ConnInfo, options: ConnectionOptions) {
    super(info, options);
    this.cache = new StatementCache(options.statementCacheSize);
    this.slowAfterMs = options.slowAfterMs ?? 10;
  }

  static connect(info: ConnInfo, options: ConnectionOptions): Promise<Connection> {
    const conn = new Connection(info, options);
    return conn.open().then(() => conn);
  }

  /** Number of batches sent and not yet answered. */
  get inFlight(): number {
    return this.queue.length - this.queueHead;
  }

  /** Full: at its pipeline depth, or cancelling. The pool moves on to another connection. */
  get isFull(): boolean {
    return this.cancelState !== 'none' || this.inFlight >= (this.options.pipelineDepth ?? Infinity);
  }

  /**
   * Whether a batch may be pipelined here: every batch in flight ran fast last time (its
   * last statement, on this connection) and the one running now is not slow yet. Pipelining
   * bets that what runs ahead is fast; this keeps the bet safe.
   *
   * Never without prepared statements (db-prepared-statements = false, what a transaction-mode
   * pooler needs): PgBouncer before 1.21 (its #845 counts outstanding messages) hands the
   * server connection back to its pool once it has seen a ReadyForQuery for every Sync it has
   * read, even when it has already forwarded the first messages of the next pipelined batch (a
   * batch straddling its 4 KB read). The rest of that batch then follows another client's
   * messages, or a SET PgBouncer injects, on the server: the stream is garbled, the backend
   * drops the connection or waits for bytes that never come (scale-pgbouncer-stress.test.ts).
   * One batch at a time gives it nothing to split. PgBouncer 1.21 and later with
   * max_prepared_statements keeps a backend until every message it forwarded is answered, and
   * takes prepared statements on: pipelined (scale-pgbouncer-prepared.test.ts).
   */
  acceptsPipelined(now: number): boolean {
    return this.options.preparedStatements && this.unknownInFlight === 0 && now - this.headSince < this.slowAfterMs;
  }

  /**
   * Queue one batch (its own implicit transaction). Messages written in the same tick leave
   * in one socket write. Rejects with PgError for the first server error in the batch.
   */
  send(queries: readonly Query[]): Promise<QueryResult[]> {
    return this.submit(queries).promise;
  }

  /**
   * Read the server's clock once (the pool does, before a connection's first batch), so a
   * deadline of ours can be put on the server's clock (start-guard.ts).
   */
  async measureClock(): Promise<void> {
    const sentAt = Date.now();
    const [r] = await this.send([CLOCK_QUERY]);
    const receivedAt = Date.now();
    const cell = r?.rows[0]?.[0];
    this.clockOffsetMs = cell === null || cell === undefined ? null : clockOffsetMs(cell.toString('latin1'), sentAt, receivedAt);
  }

  /** As send, with a handle that `abortBatch` accepts. */
  submit(queries: readonly Query[]): BatchHandle {
    let resolve!: (r: QueryResult[]) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<QueryResult[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const batch: Batch = { queries, results: [], index: 0, error: null, parses: [], parsed: 0, used: [], retried: false, expectedFast: false, timing: null, cancelWhenStarted: false, done: false, resolve, reject, promise };
    if (this.closed) {
      reject(new ClientError('CONNECTION_CLOSED', 'connection to the database was lost'));
      return batch;
    }
    this.lastActiveAt = Date.now();
    if (this.inFlight === 0) this.headSince = this.lastActiveAt;
    this.enqueue(batch);
    return batch;
  }

  /**
   * The client of a sent batch went away: cancel it when it runs (now, if it is at the head;
   * else as soon as it reaches the head). A neighbour that a late CancelRequest hits instead
   * is re-sent once: the cancel rolled its implicit transaction back.
   */
  abortBatch(handle: BatchHandle): Promise<void> {
    const batch = handle as Batch;
    if (batch.done || this.closed) return Promise.resolve();
    if (this.queue[this.queueHead] === batch) return this.startCancel(batch);
    batch.cancelWhenStarted = true;
    return Promise.resolve();
  }

  /** Whether a sent batch has reached the head of the pipeline (the server runs it), or is done. */
  hasStarted(handle: BatchHandle): boolean {
    return (handle as Batch).done || this.closed || this.queue[this.queueHead] === handle;
  }

  /**
   * Resolves once the CancelRequest is delivered (the connection takes new work again). The
   * server drops a cancel that arrives while the backend waits for the batch's next message, so
   * while the target still runs the request is sent again, a few times at most.
   */
  private startCancel(batch: Batch, attempt = 1): Promise<void> {
    if (this.cancelState !== 'none') return Promise.resolve();
    this.cancelState = 'sending';
    this.cancelTarget = batch;
    return sendCancel(this.info, this.processId, this.secretKey).then(() => {
      this.cancelState = this.inFlight === 0 ? 'none' : 'sent';
      if (this.cancelState === 'none') this.cancelTarget = null;
      if (attempt >= MAX_CANCELS) return;
      setTimeout(() => {
        if (batch.done || this.closed || this.queue[this.queueHead] !== batch || this.cancelState !== 'sent') return;
        this.cancelState = 'none';
        void this.startCancel(batch, attempt + 1).then(this.options.onCancelDelivered);
      }, RECANCEL_MS).unref();
    });
  }

  private enqueue(batch: Batch): void {
    let timing: { runMs: number } | null = null;
    for (const q of batch.queries) {
      batch.results.push({ rows: [], command: '' });
      // serialize.parse only reads the types.
      const types = q.types as number[] | undefined;
      let name = '';
      if (q === CLOCK_QUERY) {
        // Sent once per connection: not worth a prepared statement or a timing.
        this.pendingWrites.push(serialize.parse({ name: '', text: q.text, types }));
      } else if (this.options.preparedStatements) {
        const key = statementKey(q.text, q.types);
        const hit = this.cache.lookup(key);
        if (hit !== undefined && hit.ready) {
          name = hit.name;
          batch.used.push({ key, entry: hit });
          timing = hit;
        } else if (hit === undefined) {
          const { entry, evicted } = this.cache.reserve(key);
          for (const old of evicted) this.pendingWrites.push(serialize.close({ type: 'S', name: old }));
          name = entry.name;
          batch.parses.push({ key, entry });
          batch.used.push({ key, entry });
          timing = entry;
          this.pendingWrites.push(serialize.parse({ name, text: q.text, types }));
        } else {
          // Someone else's Parse of this text is still in flight: use the unnamed statement.
          timing = hit;
          this.pendingWrites.push(serialize.parse({ name: '', text: q.text, types }));
        }
      } else {
        // Unnamed: no timing, as nothing is pipelined without prepared statements anyway.
        timing = null;
        this.pendingWrites.push(serialize.parse({ name: '', text: q.text, types }));
      }
      this.pendingWrites.push(serialize.bind({ statement: name, values: q.params as (string | null)[] }), executeMessage);
    }
    this.pendingWrites.push(syncMessage);
    batch.timing = timing;
    batch.expectedFast = timing !== null && timing.runMs >= 0 && timing.runMs < this.slowAfterMs;
    if (!batch.expectedFast) this.unknownInFlight++;
    this.queue.push(batch);
    this.scheduleFlush();
  }

  /**
   * Ask the server to cancel whatever this connection runs now (a new socket, BackendKeyData).
   * Until the request is delivered and the pipeline has drained, `isFull` is true so the
   * pool sends nothing new here: a late cancel must not hit a batch that came after it.
   */
  cancel(): Promise<void> {
    if (this.closed || this.inFlight === 0 || this.cancelState !== 'none') return Promise.resolve();
    this.cancelState = 'sending';
    return sendCancel(this.info, this.processId, this.secretKey).then(() => {
      this.cancelState = this.inFlight === 0 ? 'none' : 'sent';
    });
  }

  /** Forget every prepared statement (schema reload) and Close them on the server. */
  clearStatementCache(): void {
    // Closes go out ahead of the next batch; statements still being parsed are closed when
    // their ParseComplete finds them gone from the cache.
    for (const name of this.cache.clear()) this.pendingWrites.push(serialize.close({ type: 'S', name }));
  }

  protected override onDataRow(buf: Buffer, start: number): void {
    const batch = this.queue[this.queueHead];
    if (batch === undefined) return;
    batch.results[batch.index]?.rows.push(batch.queries[batch.index]?.discardColumns === true ? [] : readDataRow(buf, start));
  }

  protected override onMessage(msg: BackendMessage): void {
    const batch = this.queue[this.queueHead];
    switch (msg.name) {
      case 'parseComplete':
        if (batch !== undefined && batch.parsed < batch.parses.length) {
          const { key, entry } = batch.parses[batch.parsed++]!;
          entry.ready = true;
          // Evicted while parsing: close it now so the server does not keep it.
          if (!this.cache.has(key, entry)) this.pendingWrites.push(serialize.close({ type: 'S', name: entry.name }));
        }
        break;
      case 'commandComplete':
        if (batch !== undefined) {
          const r = batch.results[batch.index];
          if (r !== undefined) r.command = (msg as unknown as { text: string }).text;
          batch.index++;
        }
        break;
      case 'emptyQuery':
        if (batch !== undefined) batch.index++;
        break;
      case 'error':
        if (batch !== undefined && batch.error === null) batch.error = toPgError(msg as DatabaseError);
        break;
      case 'readyForQuery':
        if (batch !== undefined) this.finish(batch);
        break;
      default:
        this.handleCommon(msg);
    }
  }

  private finish(batch: Batch): void {
    this.queue[this.queueHead] = undefined as unknown as Batch;
    this.queueHead++;
    batch.done = true;
    const cancelTarget = this.cancelTarget;
    const now = Date.now();
    if (batch.timing !== null) batch.timing.runMs = now - this.headSince;
    if (!batch.expectedFast) this.unknownInFlight--;
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (this.inFlight === 0) {
      this.lastActiveAt = now;
      if (this.cancelState === 'sent') this.cancelState = 'none';
      if (this.cancelState === 'none') this.cancelTarget = null;
    } else {
      this.headSince = now;
      const head = this.queue[this.queueHead]!;
      if (head.cancelWhenStarted) void this.startCancel(head).then(this.options.onCancelDelivered);
    }
    if (batch.error !== null) {
      // Parses that never completed did not create their statements.
      for (let i = batch.parsed; i < batch.parses.length; i++) {
        const { key, entry } = batch.parses[i]!;
        this.cache.forget(key, entry);
      }
      if (!batch.retried && isStalePlan(batch.error)) this.retryFresh(batch, true);
      else if (!batch.retried && batch.error.code === QUERY_CANCELED && cancelTarget !== null && cancelTarget !== batch) {
        // Our CancelRequest arrived after its target had finished and hit this batch instead.
        this.cancelTarget = null;
        this.resentAfterCancel++;
        this.retryFresh(batch, false);
      } else {
        batch.error.completed = batch.results.slice(0, batch.index).map((r) => r.rows);
        batch.reject(batch.error);
      }
    } else {
      batch.resolve(batch.results);
    }
    if (this.pendingWrites.length > 0) this.scheduleFlush();
  }

  /**
   * The server rejected a cached statement (DDL changed its result type, or it is gone): the
   * error rolled the whole implicit transaction back, so re-sending the batch once with a
   * fresh Parse is safe. The stale statements are closed so the server frees them.
   */
  private retryFresh(batch: Batch, dropStatements: boolean): void {
    if (dropStatements) for (const { key, entry } of batch.used) {
      if (!this.cache.has(key, entry)) continue;
      this.cache.forget(key, entry);
      this.pendingWrites.push(serialize.close({ type: 'S', name: entry.name }));
    }
    batch.retried = true;
    batch.results = [];
    batch.index = 0;
    batch.error = null;
    batch.parses = [];
    batch.parsed = 0;
    batch.used = [];
    batch.done = false;
    if (this.inFlight === 0) this.headSince = Date.now();
    this.enqueue(batch);
  }

  protected override failAll(failure: ClientError): void {
    for (let i = this.queueHead; i < this.queue.length; i++) this.queue[i]?.reject(failure);
    this.queue.length = 0;
    this.queueHead = 0;
  }
}
