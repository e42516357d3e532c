// The admin server on admin-server-port (or admin-server-unix-socket): /live, /ready, /metrics,
// /schema_cache; 404 for the rest. Plain node:http: it is off the hot path, and the main
// listener's health is its subject.

import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { schemaCacheToJson } from '../planner/index.js';
import type { Metrics } from './metrics.js';
import { clearStaleSocket, type Bind } from './server.js';
import type { AppState } from './state.js';

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * 200 when the schema cache is loaded and the database answers; 503 otherwise, and from the
 * start of a SIGTERM drain on: the process is going away, so load balancers stop sending to it
 * while it still answers what it has.
 */
async function readiness(state: AppState, draining: () => boolean): Promise<number> {
  if (draining()) return 503;
  if (state.schemaCache === null) return 503;
  try {
    await Promise.race([
      state.pool.run([{ text: 'select 1', params: [] }]),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000).unref()),
    ]);
    return 200;
  } catch {
    return 503;
  }
}

/**
 * `draining`: the API server has stopped accepting (shutdown). /live stays 200 through the
 * drain, so a liveness probe does not kill a process that is finishing its requests.
 */
export function startAdmin(bind: Bind, state: AppState, metrics: Metrics, draining: () => boolean): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body = '', type?: string): void => {
      res.writeHead(status, type === undefined ? {} : { 'Content-Type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405);
    switch (path) {
      case '/live':
        return send(200);
      case '/ready':
        void readiness(state, draining).then((s) => send(s));
        return;
      case '/metrics':
        return send(200, metrics.render(), 'text/plain; charset=utf-8');
      case '/schema_cache':
        if (state.schemaCache === null) return send(503);
        return send(200, JSON.stringify(schemaCacheToJson(state.schemaCache)), 'application/json; charset=utf-8');
      default:
        return send(404);
    }
  });
  if (bind.kind === 'unix') {
    try {
      clearStaleSocket(bind.path, 'admin-server-unix-socket');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
  const close = (): Promise<void> =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => {
        if (bind.kind === 'unix') rmSync(bind.path, { force: true });
        r();
      });
    });
  return new Promise((resolve, reject) => {
    const done = (): void => {
      server.off('error', onError);
      const a = server.address();
      resolve({ port: typeof a === 'object' && a !== null ? a.port : -1, close });
    };
    let next = 0;
    // A special host's fallback (`*` → `::`, then `0.0.0.0` where IPv6 is unavailable).
    const listenTcp = (): void => {
      if (bind.kind !== 'tcp') return;
      const host = bind.hosts[next++]!;
      // `!6` is honoured exactly here: node:http can set IPV6_V6ONLY, unlike uWS.
      server.listen({ port: bind.port, host, ipv6Only: bind.hosts.length === 1 && host === '::' }, done);
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      const unavailable = err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL';
      if (bind.kind === 'tcp' && unavailable && next < bind.hosts.length) listenTcp();
      else reject(err);
    };
    server.on('error', onError);
    if (bind.kind === 'unix') {
      server.listen(bind.path, () => {
        try {
          chmodSync(bind.path, bind.mode);
        } catch (err) {
          void close().then(() => reject(err instanceof Error ? err : new Error(String(err))));
          return;
        }
        done();
      });
    } else {
      listenTcp();
    }
  });
}
