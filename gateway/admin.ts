// The admin server on admin-server-port: /live, /ready, /metrics, /schema_cache; 404 for the
// rest. Plain node:http: it is off the hot path, and the main listener's health is its subject.

import { createServer, type Server } from 'node:http';
import { schemaCacheToJson } from '../planner/schema/dump.js';
import type { Metrics } from './metrics.js';
import type { AppState } from './state.js';

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

/** 200 when the schema cache is loaded and the database answers; 503 otherwise. */
async function readiness(state: AppState, mainUp: () => boolean): Promise<number> {
  if (!mainUp()) return 500;
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

export function startAdmin(host: string, port: number, state: AppState, metrics: Metrics, mainUp: () => boolean): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body = '', type?: string): void => {
      res.writeHead(status, type === undefined ? {} : { 'Content-Type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405);
    switch (path) {
      case '/live':
        return send(mainUp() ? 200 : 500);
      case '/ready':
        void readiness(state, mainUp).then((s) => send(s));
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
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      resolve({
        port: typeof a === 'object' && a !== null ? a.port : port,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
