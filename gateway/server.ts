// The uWS HTTP front end, and the only file that imports uWebSockets.js. Captures method,
// URL, query and headers synchronously, registers onAborted first, copies body chunks, and
// writes each response inside one cork.

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

export function listenHost(serverHost: string): string {
  switch (serverHost) {
    case '*':
    case '*4':
    case '!4':
      return '0.0.0.0';
    case '*6':
    case '!6':
      return '::';
    default:
      return serverHost;
  }
}

const METHODS_WITH_BODY: ReadonlySet<string> = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export function startServer(
  host: string,
  port: number,
  handler: Handler,
  maxBodyBytes: number,
  captureRemote = false,
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
    const remote = captureRemote ? Buffer.from(res.getRemoteAddressAsText()).toString() : '';
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
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket === false) {
        reject(new Error(`could not listen on ${host}:${port}`));
        return;
      }
      resolve({ port: uws.us_socket_local_port(socket), close: () => uws.us_listen_socket_close(socket) });
    });
  });
}
