// The uWS HTTP front end, and the only file that imports uWebSockets.js. Captures method,
// URL, query and headers synchronously, registers onAborted first, copies body chunks, and
// writes each response inside one cork.

import { chmodSync, existsSync, lstatSync, rmSync, unlinkSync } from 'node:fs';
import uws from 'uWebSockets.js';
import type { RawRequest } from '../planner/index.js';
import { AbortFlag, type AbortHook } from '../protocol/index.js';
import type { HttpResponse } from './response.js';
import { errorResponse } from './response.js';

/** True when the native uWS addon loaded (the package silently falls back to pure JS otherwise). */
export function uwsIsNative(): boolean {
  return /\[native code\]/.test(Function.prototype.toString.call(uws.App));
}

export interface RunningServer {
  readonly port: number;
  close(): void;
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
  416: 'Range Not Satisfiable', 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

function statusLine(status: number): string {
  return `${status} ${REASONS[status] ?? 'Status'}`;
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

export function startServer(
  bind: Bind,
  handler: Handler,
  maxBodyBytes: number,
  /** Read per request, so a reloaded log-level turns address capture on or off. */
  captureRemote: { readonly on: boolean } = { on: false },
): Promise<RunningServer> {
  const app = uws.App();
  app.any('/*', (res, req) => {
    let aborted = false;
    const controller = new AbortFlag();
    res.onAborted(() => {
      aborted = true;
      controller.abort();
    });
    const method = req.getCaseSensitiveMethod().toUpperCase();
    // Only for the access log: decoding the address costs a little on every request.
    const remote = captureRemote.on ? Buffer.from(res.getRemoteAddressAsText()).toString() : '';
    const path = req.getUrl();
    const query = req.getQuery() ?? '';
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      // Repeated headers are joined as HTTP allows (Prefer may be repeated).
      headers[k] = headers[k] === undefined ? v : headers[k] + ', ' + v;
    });

    const finish = (response: HttpResponse): void => {
      if (aborted) return;
      res.cork(() => {
        res.writeStatus(statusLine(response.status));
        for (const [k, v] of response.headers) res.writeHeader(k, v);
        if (method === 'HEAD' || response.body === undefined) res.endWithoutBody(method === 'HEAD' ? undefined : 0);
        else res.end(response.body);
      });
    };
    const run = (body: Uint8Array | null): void => {
      handler({ method, path, query, headers, body }, remote, controller).then(finish, (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        finish(errorResponse({ status: 500, code: 'PGRSTX00', message: 'Internal server error', details: message, hint: null }));
      });
    };

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
  if (bind.kind === 'unix') return listenUnix(app, bind.path, bind.mode);
  return listenTcp(app, bind.hosts, bind.port, bind.reusePort);
}

/** uSockets' listen option (the addon exports it, its typings only as a const enum member). */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

function listenTcp(app: uws.TemplatedApp, hosts: readonly string[], port: number, reusePort: boolean): Promise<RunningServer> {
  // uSockets sets SO_REUSEPORT unless told the port is exclusive; PostgREST's default is exclusive.
  const options = reusePort ? 0 : LIBUS_LISTEN_EXCLUSIVE_PORT;
  const attempt = (i: number): Promise<RunningServer> =>
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

function listenUnix(app: uws.TemplatedApp, path: string, mode: number): Promise<RunningServer> {
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
