// The uWS HTTP front end, and the only file that imports uWebSockets.js. Captures method,
// URL, query and headers synchronously, registers onAborted first, copies body chunks, and
// writes each response inside one cork: framing as RFC 9110 (no length on 204, HEAD with the
// GET's length), ambiguous framing refused, big bodies under backpressure (tryEnd/onWritable).

import { chmodSync, existsSync, lstatSync, rmSync, unlinkSync } from 'node:fs';
// uWebSockets.js is an npm alias of @trufflesuite/uws-js-unofficial (uWS 20.30, glibc 2.27+).
// A current build (v20.5x+, glibc 2.38+, with 400/431 for malformed heads and unknown methods
// answered) was looked for on the npm registry, to prefer at run time where glibc allows:
// the only republished one, @btc-vision/uwebsockets.js 20.57.0, has no provenance
// attestation, no gitHead, a fork as its repository, and binaries that cannot be compared with
// upstream's v20.57.0 tag, so it is not trusted; upstream publishes on GitHub only. Kept as is.
import uws from 'uWebSockets.js';
import type { RawRequest } from '../planner/index.js';
import { AbortFlag, type AbortHook } from '../protocol/index.js';
import type { HttpResponse } from './http-response.js';
import { errorResponse } from './http-response.js';

/** True when the native uWS addon loaded (the package silently falls back to pure JS otherwise). */
export function uwsIsNative(): boolean {
  return /\[native code\]/.test(Function.prototype.toString.call(uws.App));
}

export interface RunningServer {
  readonly port: number;
  /** Stop accepting connections; those already open stay served. */
  close(): void;
  /** Requests whose head has arrived and whose response is not yet fully handed to the socket. */
  pending(): number;
  /** Resolves once pending() is 0 (at once when it is). */
  whenIdle(): Promise<void>;
}

/**
 * `remote` is the client address when the server was asked to capture it, else ''. `signal`
 * aborts when the client goes away, so a queued request can leave the pool queue or be cancelled.
 */
export type Handler = (raw: RawRequest, remote: string, signal: AbortHook) => Promise<HttpResponse>;

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 206: 'Partial Content', 300: 'Multiple Choices',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented',
  503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** Status lines built once per status code (a response names one of a few dozen). */
const statusLines = new Map<number, string>();

function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `${status} ${REASONS[status] ?? 'Status'}`;
    // Statuses come from the code and from response.status GUCs (100–599): bounded.
    if (statusLines.size < 1000) statusLines.set(status, line);
  }
  return line;
}

/** Where the API listens: host candidates (tried in order) and a port, or a unix socket. */
export type Bind =
  | { readonly kind: 'tcp'; readonly hosts: readonly string[]; readonly port: number; readonly reusePort: boolean }
  | { readonly kind: 'unix'; readonly path: string; readonly mode: number };

/**
 * server-host's special values as bind addresses, preferred first, as PostgREST (warp):
 * `!4` IPv4 only, `*4` IPv4 preferred, `*`/`*6` IPv6 (dual-stack) preferred with IPv4 as the
 * fallback where IPv6 is unavailable. uWS cannot set IPV6_V6ONLY, so `!6` binds `::`
 * dual-stack too: it accepts IPv4-mapped clients as well.
 */
export function listenHosts(serverHost: string): readonly string[] {
  switch (serverHost) {
    case '!4':
      return ['0.0.0.0'];
    case '*4':
      return ['0.0.0.0', '::'];
    case '*':
    case '*6':
      return ['::', '0.0.0.0'];
    case '!6':
      return ['::'];
    default:
      return [serverHost];
  }
}

/** The first (preferred) bind address for a server-host value. */
export function listenHost(serverHost: string): string {
  return listenHosts(serverHost)[0]!;
}

const METHODS_WITH_BODY: ReadonlySet<string> = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * Knobs the app changes while the server runs (a reloaded config, shutdown). Read per request
 * or per slow response, never copied.
 */
export interface ServerControl {
  /** Capture the client address (for the access log). */
  captureRemote: boolean;
  /** server-write-timeout in ms: a response whose client reads nothing for this long loses its connection. */
  writeTimeoutMs: number;
  /** Shutting down: every response closes its connection (`Connection: close`). */
  draining: boolean;
  /**
   * Shut down (the pool is closing): a request that still arrives on an open keep-alive
   * connection gets that connection closed unanswered, as an idle connection the server closed
   * (a client may retry an idempotent request on it, RFC 9112 §9.3.1), never a 503 from a
   * closed pool. Absent = false.
   */
  closed?: boolean;
}

/** Bytes of a body handed to one tryEnd: bigger bodies are written a slice per event-loop turn. */
const WRITE_SLICE = 1024 * 1024;

/** Bodies up to this size may be copied into uWS's buffer when the connection must close after them. */
const SMALL_BODY = 64 * 1024;

/**
 * Framing uWS 20.30 lets through that a smuggling proxy could read differently (RFC 9112 §6):
 * repeated or non-numeric Content-Length, Content-Length with Transfer-Encoding, a transfer
 * coding other than chunked. (A repeated Host is let through: common HTTP clients send one
 * twice, and it cannot shift a body boundary.) null: the head is fine.
 */
export function framingProblem(headers: Readonly<Record<string, string>>, counts: Readonly<Record<string, number>> | null): string | null {
  if (counts !== null && (counts['content-length'] ?? 0) > 1) return 'repeated Content-Length';
  if (counts !== null && (counts['transfer-encoding'] ?? 0) > 1) return 'repeated Transfer-Encoding';
  const cl = headers['content-length'];
  const te = headers['transfer-encoding'];
  if (cl !== undefined && !/^[0-9]+$/.test(cl)) return 'invalid Content-Length';
  if (te !== undefined && cl !== undefined) return 'Content-Length with Transfer-Encoding';
  if (te !== undefined && te.trim().toLowerCase() !== 'chunked') return 'unsupported Transfer-Encoding';
  return null;
}

/** Whether the Connection header's token list holds `close` (uWS itself only matches the bare value). */
export function wantsClose(connection: string | undefined): boolean {
  return connection !== undefined && connection.split(',').some((t) => t.trim().toLowerCase() === 'close');
}

const badRequest = (reason: string): HttpResponse => ({
  status: 400,
  headers: [['Content-Type', 'text/plain; charset=utf-8']],
  body: `Bad Request: ${reason}`,
});

/** RFC 9110 §8.6: no Content-Length (and no body) on 1xx, 204 and 304. */
const bodiless = (status: number): boolean => status < 200 || status === 204 || status === 304;

export function startServer(
  bind: Bind,
  handler: Handler,
  maxBodyBytes: number,
  control: ServerControl = { captureRemote: false, writeTimeoutMs: 60_000, draining: false },
): Promise<RunningServer> {
  const app = uws.App();
  /** Set for the rest of the parse pass after a head was refused for its framing. */
  let refusedFrom: Buffer | null = null;
  /** Requests between head and a response fully handed over (or an abort): what a drain waits for. */
  let pending = 0;
  let idleWaiters: (() => void)[] = [];
  app.any('/*', (res, req) => {
    if (control.closed === true) {
      res.close();
      return;
    }
    let aborted = false;
    let onGone: (() => void) | null = null;
    const controller = new AbortFlag();
    let counted = true;
    pending++;
    /** This request no longer holds the drain: answered, streamed to its end, refused or gone. */
    const settle = (): void => {
      if (!counted) return;
      counted = false;
      if (--pending === 0 && idleWaiters.length > 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    };
    res.onAborted(() => {
      aborted = true;
      controller.abort();
      onGone?.();
      settle();
    });
    const method = req.getCaseSensitiveMethod().toUpperCase();
    // Only for the access log: decoding the address costs a little on every request.
    const remote = control.captureRemote ? Buffer.from(res.getRemoteAddressAsText()).toString() : '';
    const path = req.getUrl();
    const query = req.getQuery() ?? '';
    const headers: Record<string, string> = {};
    let counts: Record<string, number> | null = null;
    req.forEach((k, v) => {
      // Repeated headers are joined as HTTP allows (Prefer may be repeated); repeats are
      // counted (rare: the counter exists only then) for the framing check.
      if (headers[k] === undefined) headers[k] = v;
      else {
        headers[k] = headers[k] + ', ' + v;
        counts ??= {};
        counts[k] = (counts[k] ?? 1) + 1;
      }
    });
    const clientClose = wantsClose(headers['connection']);

    /**
     * A Buffer body through tryEnd/onWritable: uWS copies nothing it cannot send at once. A
     * body over WRITE_SLICE goes out a slice per event-loop turn, so no single write (the
     * kernel takes megabytes at once on loopback) holds other requests up.
     */
    const stream = (body: Buffer): void => {
      const start = res.getWriteOffset();
      const [sent, done] = res.tryEnd(body.length <= WRITE_SLICE ? body : body.subarray(0, WRITE_SLICE), body.length);
      if (done) {
        settle();
        return;
      }
      let timer: NodeJS.Timeout | null = null;
      /** The next slice from where the client is; false when it hit backpressure. */
      const step = (): boolean => {
        const at = res.getWriteOffset() - start;
        const [ok, finished] = res.tryEnd(body.subarray(at, Math.min(body.length, at + WRITE_SLICE)), body.length);
        if (finished) {
          if (timer !== null) clearTimeout(timer);
          onGone = null;
          settle();
        } else if (ok) setImmediate(next);
        else waitWritable();
        return ok;
      };
      const next = (): void => {
        if (aborted) return;
        timer?.refresh();
        res.cork(step);
      };
      // The client is not reading fast enough: resume on writable, and give up on a client
      // that reads nothing for server-write-timeout (its body is held only until then).
      const waitWritable = (): void => {
        if (timer !== null) return;
        timer = setTimeout(() => {
          if (!aborted) res.close();
          settle();
        }, control.writeTimeoutMs);
        onGone = () => clearTimeout(timer!);
        res.onWritable(() => {
          timer!.refresh();
          let ok = false;
          res.cork(() => (ok = step()));
          return ok;
        });
      };
      if (sent) setImmediate(next);
      else waitWritable();
    };

    const finish = (response: HttpResponse): void => {
      if (aborted) return;
      let streaming = false;
      const close = control.draining || clientClose;
      // Settled however the write goes: a request left counted would hold a drain forever.
      try {
        res.cork(() => {
          res.writeStatus(statusLine(response.status));
          for (const [k, v] of response.headers) res.writeHeader(k, v);
          const body = response.body;
          if (bodiless(response.status) || (method === 'HEAD' && body === undefined)) {
            // endWithoutBody(n, close) would write a Content-Length: name it and let the client close.
            if (close) res.writeHeader('Connection', 'close');
            res.endWithoutBody();
          } else if (method === 'HEAD') {
            // The length the GET would send, without the body.
            const length = typeof body === 'string' ? Buffer.byteLength(body) : body!.length;
            if (close) res.endWithoutBody(length, true);
            else res.writeHeader('Content-Length', String(length)).endWithoutBody();
          } else if (body === undefined || typeof body === 'string') {
            res.end(body ?? '', close);
          } else if (close && body.length <= SMALL_BODY) {
            res.end(body, true);
          } else {
            if (close) res.writeHeader('Connection', 'close');
            streaming = true;
            stream(body);
          }
        });
      } finally {
        if (!streaming) settle();
      }
    };
    const run = (body: Uint8Array | null): void => {
      handler({ method, path, query, headers, body }, remote, controller).then(finish, (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        finish(errorResponse({ status: 500, code: 'PGRSTX00', message: 'Internal server error', details: message, hint: null }));
      });
    };

    // Answered at once and the connection closed, so no byte after this head is read as a request.
    // uWS keeps parsing the bytes it already read after a close was asked for: a request
    // smuggled behind a refused head arrives in the same pass, from the same address. Drop it.
    if (refusedFrom !== null && Buffer.from(res.getRemoteAddress()).equals(refusedFrom)) {
      aborted = true;
      res.close();
      settle();
      return;
    }
    const problem = framingProblem(headers, counts);
    if (problem !== null) {
      refusedFrom = Buffer.from(res.getRemoteAddress());
      setImmediate(() => (refusedFrom = null));
      res.cork(() => {
        const r = badRequest(problem);
        res.writeStatus(statusLine(r.status));
        for (const [k, v] of r.headers) res.writeHeader(k, v);
        res.end(r.body as string, true);
      });
      aborted = true;
      settle();
      return;
    }
    if (!METHODS_WITH_BODY.has(method)) {
      run(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // With a Content-Length the body is copied once into its final buffer (no concat: a big
    // bulk body would otherwise sit in memory twice).
    const declared = Number(headers['content-length'] ?? NaN);
    const whole = Number.isSafeInteger(declared) && declared > 0 && declared <= maxBodyBytes ? Buffer.allocUnsafe(declared) : null;
    res.onData((chunk, isLast) => {
      if (aborted) return;
      size += chunk.byteLength;
      if (size > maxBodyBytes) {
        if (size - chunk.byteLength <= maxBodyBytes) {
          finish(errorResponse({ status: 413, code: 'PGRST413', message: 'Request body too large', details: null, hint: null }));
        }
        return;
      }
      // uWS reuses the chunk's memory after this callback returns: copy it.
      if (whole !== null && size <= whole.byteLength) whole.set(new Uint8Array(chunk), size - chunk.byteLength);
      else chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (!isLast) return;
      if (whole !== null && chunks.length === 0) run(size === whole.byteLength ? whole : whole.subarray(0, size));
      else run(chunks.length === 1 && whole === null ? chunks[0]! : Buffer.concat(whole === null ? chunks : [whole.subarray(0, Math.min(size, whole.byteLength)), ...chunks]));
    });
  });
  const counts = {
    pending: () => pending,
    whenIdle: () => (pending === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r))),
  };
  const listening = bind.kind === 'unix' ? listenUnix(app, bind.path, bind.mode) : listenTcp(app, bind.hosts, bind.port, bind.reusePort);
  return listening.then((l) => ({ ...l, ...counts }));
}

/** uSockets' listen option (the addon exports it, its typings only as a const enum member). */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

/** A bound listener, before startServer adds its request counts. */
type Listening = Pick<RunningServer, 'port' | 'close'>;

function listenTcp(app: uws.TemplatedApp, hosts: readonly string[], port: number, reusePort: boolean): Promise<Listening> {
  // uSockets sets SO_REUSEPORT unless told the port is exclusive; PostgREST's default is exclusive.
  const options = reusePort ? 0 : LIBUS_LISTEN_EXCLUSIVE_PORT;
  const attempt = (i: number): Promise<Listening> =>
    new Promise<uws.us_listen_socket | false>((resolve) => {
      // The typings lack the (host, port, options, cb) overload the addon has.
      (app.listen as unknown as (h: string, p: number, o: number, cb: (s: uws.us_listen_socket | false) => void) => void)(hosts[i]!, port, options, resolve);
    }).then((socket) => {
      if (socket !== false) return { port: uws.us_socket_local_port(socket), close: () => uws.us_listen_socket_close(socket) };
      if (i + 1 < hosts.length) return attempt(i + 1);
      throw new Error(`could not listen on ${hosts.join(' or ')} port ${port}`);
    });
  return attempt(0);
}

/** A socket file left by a previous run would make the bind fail; anything else is not ours. */
export function clearStaleSocket(path: string, option: string): void {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) throw new Error(`${option} ${path} exists and is not a socket`);
  unlinkSync(path);
}

function listenUnix(app: uws.TemplatedApp, path: string, mode: number): Promise<Listening> {
  try {
    clearStaleSocket(path, 'server-unix-socket');
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  return new Promise((resolve, reject) => {
    app.listen_unix((socket) => {
      if ((socket as uws.us_listen_socket | false) === false) {
        reject(new Error(`could not listen on unix socket ${path}`));
        return;
      }
      try {
        chmodSync(path, mode);
      } catch (err) {
        uws.us_listen_socket_close(socket);
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      resolve({
        port: -1,
        close: () => {
          uws.us_listen_socket_close(socket);
          rmSync(path, { force: true });
        },
      });
    }, path);
  });
}
