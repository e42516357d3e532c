// One PostgreSQL connection: startup and authentication, then pipelined extended-query
// batches. Each batch ends in its own Sync, so it is its own implicit transaction; replies are
// matched to batches in order. DataRow is framed here and its columns stay Buffer slices;
// every other message is parsed by pg-protocol. Knows nothing about HTTP or plans.

import type { Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage, DatabaseError } from 'pg-protocol/dist/messages.js';
import { sessionMismatch, type ConnInfo } from './conninfo.js';
import { DATA_ROW, readDataRow } from './datarow.js';
import { ClientError, isStalePlan, toPgError, type PgError } from './errors.js';
import { authenticator, startupMessage } from './startup.js';
import { StatementCache, statementKey, type CachedStatement } from './statement-cache.js';
import { openTransport, sendCancel } from './transport.js';
import { MessageReader } from './reader.js';

/** Above this many bytes a tick's messages go out as one writev instead of one concatenated buffer. */
const LARGE_FLUSH_BYTES = 256 * 1024;
/** After a message this big the rest of its chunk is read on the next event-loop turn. */
const YIELD_AFTER_BYTES = 1024 * 1024;
const isLarge = (bytes: number): boolean => bytes >= YIELD_AFTER_BYTES;

export interface Query {
  readonly text: string;
  readonly params: readonly (string | null)[];
  /** Parameter type OIDs; omitted = let the server infer (part of the statement-cache key). */
  readonly types?: readonly number[];
}

export interface QueryResult {
  /** Each row's columns as raw text-format bytes (null for SQL NULL). */
  readonly rows: (Buffer | null)[][];
  command: string;
}

export interface ConnectionOptions {
  readonly statementCacheSize: number;
  readonly preparedStatements: boolean;
  /** Batches in flight before this connection reports itself full (default: unbounded). */
  readonly pipelineDepth?: number;
  /**
   * A batch that ran this long (ms) is slow: see `acceptsPipelined` (default 10: above a
   * loaded event loop's lag on fast statements, far below a slow statement's run).
   */
  readonly slowAfterMs?: number;
  readonly onNotice?: (notice: PgError) => void;
  readonly onNotification?: (channel: string, payload: string) => void;
  /** A CancelRequest sent on the connection's own initiative was delivered (the pool drains). */
  readonly onCancelDelivered?: () => void;
}

interface StatementUse {
  readonly key: string;
  readonly entry: CachedStatement;
}

interface Batch {
  readonly queries: readonly Query[];
  results: QueryResult[];
  index: number;
  error: PgError | null;
  /** Statements this batch asked to Parse, in order, awaiting ParseComplete. */
  parses: StatementUse[];
  parsed: number;
  /** Named statements this batch binds, so a stale plan can be dropped before the retry. */
  used: StatementUse[];
  /** A batch is re-sent at most once, and only after the server rolled it back. */
  retried: boolean;
  /** Its last statement ran under slowAfterMs last time on this connection. */
  expectedFast: boolean;
  /** Its client went away after it was sent: cancel it as soon as it runs. */
  cancelWhenStarted: boolean;
  done: boolean;
  readonly resolve: (results: QueryResult[]) => void;
  readonly reject: (err: Error) => void;
  readonly promise: Promise<QueryResult[]>;
}

// Constant messages built once (pg-protocol returns fresh buffers; these are never mutated).
const syncMessage = serialize.sync();
/** SQLSTATE query_canceled: what a CancelRequest makes the running statement fail with. */
const QUERY_CANCELED = '57014';

/** A sent batch, as the pool holds it: its outcome, and a handle to cancel it. */
export interface BatchHandle {
  readonly promise: Promise<QueryResult[]>;
}
const executeMessage = serialize.execute({});

export class Connection {
  readonly info: ConnInfo;
  private socket: Socket | null = null;
  private readonly parser = new Parser();
  private readonly queue: Batch[] = [];
  private queueHead = 0;
  private pendingWrites: Buffer[] = [];
  private flushScheduled = false;
  private readonly cache: StatementCache;
  private readonly options: ConnectionOptions;
  private readonly reader = new MessageReader();
  /** Chunks that arrived while reading yields after a large message (null when not yielding). */
  private deferred: Buffer[] | null = null;
  private closed = false;
  private readonly closeListeners: ((err: Error | null) => void)[] = [];
  readonly parameters = new Map<string, string>();
  processId = 0;
  secretKey = 0;
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
  /** Socket writes since connect: everything queued in one tick leaves in one (tests, metrics). */
  writes = 0;
  /** Set while the handshake runs; receives every non-DataRow message. */
  private startupHandler: ((msg: BackendMessage) => void) | null = null;

  private constructor(info: ConnInfo, options: ConnectionOptions) {
    this.info = info;
    this.options = options;
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
   */
  acceptsPipelined(now: number): boolean {
    return this.unknownInFlight === 0 && now - this.headSince < this.slowAfterMs;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(listener: (err: Error | null) => void): void {
    this.closeListeners.push(listener);
  }

  private async open(): Promise<void> {
    const socket = await openTransport(this.info);
    this.socket = socket;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        this.destroy(err);
        reject(err);
      };
      socket.write(startupMessage(this.info));
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (err) =>
        settled ? this.destroy(err) : fail(new ClientError('CONNECT_FAILED', `could not connect to ${this.info.host}:${this.info.port}: ${err.message}`)),
      );
      socket.on('close', () => {
        if (!settled) fail(new ClientError('CONNECT_FAILED', 'connection closed during startup'));
        else this.destroy(new ClientError('CONNECTION_CLOSED', 'connection to the database was lost'));
      });
      const authenticate = authenticator(this.info);
      this.startupHandler = (msg) => {
        try {
          switch (msg.name) {
            case 'error':
              throw toPgError(msg as DatabaseError);
            case 'readyForQuery': {
              this.startupHandler = null;
              const mismatch = sessionMismatch(this.info.targetSessionAttrs, this.parameters);
              if (mismatch !== null) throw new ClientError('CONNECT_FAILED', mismatch);
              settled = true;
              resolve();
              break;
            }
            default: {
              const reply = authenticate(msg);
              if (reply === undefined) this.handleCommon(msg);
              else if (reply !== null) socket.write(reply);
            }
          }
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
        }
      };
    });
  }

  /**
   * Queue one batch (its own implicit transaction). Messages written in the same tick leave
   * in one socket write. Rejects with PgError for the first server error in the batch.
   */
  send(queries: readonly Query[]): Promise<QueryResult[]> {
    return this.submit(queries).promise;
  }

  /** As send, with a handle that `abortBatch` accepts. */
  submit(queries: readonly Query[]): BatchHandle {
    let resolve!: (r: QueryResult[]) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<QueryResult[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const batch: Batch = { queries, results: [], index: 0, error: null, parses: [], parsed: 0, used: [], retried: false, expectedFast: false, cancelWhenStarted: false, done: false, resolve, reject, promise };
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

  /** Resolves once the CancelRequest is delivered (the connection takes new work again). */
  private startCancel(batch: Batch): Promise<void> {
    if (this.cancelState !== 'none') return Promise.resolve();
    this.cancelState = 'sending';
    this.cancelTarget = batch;
    return sendCancel(this.info, this.processId, this.secretKey).then(() => {
      this.cancelState = this.inFlight === 0 ? 'none' : 'sent';
      if (this.cancelState === 'none') this.cancelTarget = null;
    });
  }

  private enqueue(batch: Batch): void {
    for (const q of batch.queries) {
      batch.results.push({ rows: [], command: '' });
      const types = q.types === undefined ? [] : [...q.types];
      let name = '';
      if (this.options.preparedStatements) {
        const key = statementKey(q.text, q.types);
        const hit = this.cache.lookup(key);
        if (hit !== undefined && hit.ready) {
          name = hit.name;
          batch.used.push({ key, entry: hit });
        } else if (hit === undefined) {
          const { entry, evicted } = this.cache.reserve(key);
          for (const old of evicted) this.pendingWrites.push(serialize.close({ type: 'S', name: old }));
          name = entry.name;
          batch.parses.push({ key, entry });
          batch.used.push({ key, entry });
          this.pendingWrites.push(serialize.parse({ name, text: q.text, types }));
        } else {
          // Someone else's Parse of this text is still in flight: use the unnamed statement.
          this.pendingWrites.push(serialize.parse({ name: '', text: q.text, types }));
        }
      } else {
        this.pendingWrites.push(serialize.parse({ name: '', text: q.text, types }));
      }
      this.pendingWrites.push(serialize.bind({ statement: name, values: q.params as (string | null)[] }), executeMessage);
    }
    this.pendingWrites.push(syncMessage);
    const last = batch.used[batch.used.length - 1];
    batch.expectedFast = last !== undefined && last.entry.runMs >= 0 && last.entry.runMs < this.slowAfterMs;
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

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.socket === null || this.closed || this.pendingWrites.length === 0) return;
      const pending = this.pendingWrites;
      this.pendingWrites = [];
      this.writes++;
      if (pending.length === 1) {
        this.socket.write(pending[0]!);
        return;
      }
      let bytes = 0;
      for (const b of pending) bytes += b.length;
      if (bytes < LARGE_FLUSH_BYTES) {
        this.socket.write(Buffer.concat(pending, bytes));
        return;
      }
      // A big Bind (a bulk body) would be copied once more by concat: hand the pieces to one
      // writev instead.
      this.socket.cork();
      for (const b of pending) this.socket.write(b);
      this.socket.uncork();
    });
  }

  /** Forget every prepared statement (schema reload) and Close them on the server. */
  clearStatementCache(): void {
    // Closes go out ahead of the next batch; statements still being parsed are closed when
    // their ParseComplete finds them gone from the cache.
    for (const name of this.cache.clear()) this.pendingWrites.push(serialize.close({ type: 'S', name }));
  }

  private onData(chunk: Buffer): void {
    if (this.deferred !== null) {
      // Still yielding after a large message: keep order, process after the deferred rest.
      this.deferred.push(chunk);
      return;
    }
    this.readFrom(chunk, 0);
  }

  private readFrom(chunk: Buffer, from: number): void {
    let offset: number;
    try {
      offset = this.reader.push(chunk, this.sink, isLarge, from);
    } catch (err) {
      this.destroy(new ClientError('PROTOCOL_VIOLATION', err instanceof Error ? err.message : String(err)));
      return;
    }
    if (offset >= chunk.length) return;
    // A large message was just handled: give the event loop a turn before the rest, so one
    // big result never holds every other request up.
    const backlog: Buffer[] = [];
    this.deferred = backlog;
    this.socket?.pause();
    setImmediate(() => {
      if (this.closed) return;
      this.deferred = null;
      this.readFrom(chunk, offset);
      for (let i = 0; i < backlog.length; i++) {
        if (this.deferred !== null) {
          // Yielded again: the rest of the backlog waits behind the new deferral.
          (this.deferred as Buffer[]).push(...backlog.slice(i));
          return;
        }
        this.readFrom(backlog[i]!, 0);
      }
      if (this.deferred === null) this.socket?.resume();
    });
  }

  private readonly sink = (buf: Buffer, start: number, end: number): void => {
    if (buf[start] === DATA_ROW && this.startupHandler === null) {
      this.onDataRow(buf, start + 5);
    } else {
      this.parser.parse(start === 0 && end === buf.length ? buf : buf.subarray(start, end), this.onMessageBound);
    }
  };

  private readonly onMessageBound = (msg: BackendMessage): void => this.onMessage(msg);

  private onDataRow(buf: Buffer, start: number): void {
    const batch = this.queue[this.queueHead];
    if (batch === undefined) return;
    batch.results[batch.index]?.rows.push(readDataRow(buf, start));
  }

  private onMessage(msg: BackendMessage): void {
    if (this.startupHandler !== null) {
      this.startupHandler(msg);
      return;
    }
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
    const last = batch.used[batch.used.length - 1];
    if (last !== undefined) last.entry.runMs = now - this.headSince;
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

  private handleCommon(msg: BackendMessage): void {
    switch (msg.name) {
      case 'parameterStatus': {
        const m = msg as unknown as { parameterName: string; parameterValue: string };
        this.parameters.set(m.parameterName, m.parameterValue);
        break;
      }
      case 'backendKeyData': {
        const m = msg as unknown as { processID: number; secretKey: number };
        this.processId = m.processID;
        this.secretKey = m.secretKey;
        break;
      }
      case 'notice':
        this.options.onNotice?.(toPgError(msg as unknown as DatabaseError));
        break;
      case 'notification': {
        const m = msg as unknown as { channel: string; payload: string };
        this.options.onNotification?.(m.channel, m.payload);
        break;
      }
      default:
        break;
    }
  }

  private destroy(err: Error | null, keepSocket = false): void {
    if (this.closed) return;
    this.closed = true;
    if (!keepSocket) this.socket?.destroy();
    // Whatever broke (socket error, FATAL, close), callers see one kind: the batch may have
    // run, so it is failed and never re-sent.
    const failure =
      err instanceof ClientError ? err : new ClientError('CONNECTION_CLOSED', `connection to the database was lost${err === null ? '' : ': ' + err.message}`);
    for (let i = this.queueHead; i < this.queue.length; i++) this.queue[i]?.reject(failure);
    this.queue.length = 0;
    this.queueHead = 0;
    for (const l of this.closeListeners) l(err);
  }

  /** Send Terminate and close the socket; in-flight batches are failed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || this.socket === null) {
        resolve();
        return;
      }
      const socket = this.socket;
      socket.once('close', () => resolve());
      this.destroy(null, true);
      socket.end(serialize.end());
    });
  }
}
