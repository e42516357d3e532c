// The wire side of one PostgreSQL connection: the socket (transport.ts), the startup handshake
// and authentication (startup.ts), reading: messages framed by reader.ts, DataRow handed over
// as Buffer slices, the fixed small replies (ParseComplete, BindComplete, CommandComplete,
// ReadyForQuery …) read in place, every other message parsed by pg-protocol, a turn yielded after a large
// message; the messages no batch owns (ParameterStatus, BackendKeyData, notices,
// notifications); writes coalesced per tick; Terminate and close. connection.ts is the batch
// queue on top of it.

import type { Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import { bindComplete, closeComplete, CommandCompleteMessage, noData, parseComplete, ReadyForQueryMessage, type BackendMessage, type DatabaseError } from 'pg-protocol/dist/messages.js';
import { sessionMismatch, type ConnInfo } from './conninfo.js';
import { DATA_ROW } from './datarow.js';
import { ClientError, toPgError, type PgError } from './errors.js';
import { authenticator, startupMessage } from './startup.js';
import { openTransport } from './transport.js';
import { MessageReader } from './reader.js';

/** Above this many bytes a tick's messages go out as one writev instead of one concatenated buffer. */
const LARGE_FLUSH_BYTES = 256 * 1024;
/** After a message this big the rest of its chunk is read on the next event-loop turn. */
const YIELD_AFTER_BYTES = 1024 * 1024;
const isLarge = (bytes: number): boolean => bytes >= YIELD_AFTER_BYTES;

// Type bytes of the backend messages sink() reads itself.
const PARSE_COMPLETE = 0x31; // '1'
const BIND_COMPLETE = 0x32; // '2'
const CLOSE_COMPLETE = 0x33; // '3'
const NO_DATA = 0x6e; // 'n'
const COMMAND_COMPLETE = 0x43; // 'C'
const READY_FOR_QUERY = 0x5a; // 'Z'

export interface WireOptions {
  readonly onNotice?: (notice: PgError) => void;
  readonly onNotification?: (channel: string, payload: string) => void;
  /** The DateStyle of the StartupMessage (default 'ISO'; see startup.ts). */
  readonly dateStyle?: string;
}

export abstract class Wire<O extends WireOptions> {
  readonly info: ConnInfo;
  protected readonly options: O;
  private socket: Socket | null = null;
  private readonly parser = new Parser();
  protected pendingWrites: Buffer[] = [];
  private flushScheduled = false;
  private readonly reader = new MessageReader();
  /** Chunks that arrived while reading yields after a large message (null when not yielding). */
  private deferred: Buffer[] | null = null;
  protected closed = false;
  private readonly closeListeners: ((err: Error | null) => void)[] = [];
  readonly parameters = new Map<string, string>();
  processId = 0;
  secretKey = 0;
  /** Socket writes since connect: everything queued in one tick leaves in one (tests, metrics). */
  writes = 0;
  /** Set while the handshake runs; receives every non-DataRow message. */
  private startupHandler: ((msg: BackendMessage) => void) | null = null;

  protected constructor(info: ConnInfo, options: O) {
    this.info = info;
    this.options = options;
  }

  /** A DataRow for the batch being answered; its body (the column count) begins at `start`. */
  protected abstract onDataRow(buf: Buffer, start: number): void;
  /** Every other message after the handshake. */
  protected abstract onMessage(msg: BackendMessage): void;
  /** The connection is gone: every batch in flight fails with `failure`. */
  protected abstract failAll(failure: ClientError): void;

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(listener: (err: Error | null) => void): void {
    this.closeListeners.push(listener);
  }

  protected async open(): Promise<void> {
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
      socket.write(startupMessage(this.info, this.options.dateStyle));
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

  protected scheduleFlush(): void {
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
    const type = buf[start];
    if (type === DATA_ROW && this.startupHandler === null) {
      this.onDataRow(buf, start + 5);
      return;
    }
    // The replies every batch gets, read here as pg-protocol reads them (the same message
    // objects) without its per-message view, reader and buffer bookkeeping.
    switch (type) {
      case PARSE_COMPLETE:
        if (end - start === 5) return this.onMessageBound(parseComplete);
        break;
      case BIND_COMPLETE:
        if (end - start === 5) return this.onMessageBound(bindComplete);
        break;
      case CLOSE_COMPLETE:
        if (end - start === 5) return this.onMessageBound(closeComplete);
        break;
      case NO_DATA:
        if (end - start === 5) return this.onMessageBound(noData);
        break;
      case COMMAND_COMPLETE:
        // The tag, a C string: the message ends with its NUL.
        if (end - start > 5 && buf[end - 1] === 0) return this.onMessageBound(new CommandCompleteMessage(end - start - 1, buf.toString('utf8', start + 5, end - 1)));
        break;
      case READY_FOR_QUERY:
        if (end - start === 6) return this.onMessageBound(new ReadyForQueryMessage(5, String.fromCharCode(buf[start + 5]!)));
        break;
      default:
        break;
    }
    this.parser.parse(start === 0 && end === buf.length ? buf : buf.subarray(start, end), this.onMessageBound);
  };

  private readonly onMessageBound = (msg: BackendMessage): void => {
    if (this.startupHandler !== null) this.startupHandler(msg);
    else this.onMessage(msg);
  };

  protected handleCommon(msg: BackendMessage): void {
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
    this.failAll(failure);
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
