// Wires one gateway instance: pool, first schema-cache load (retried with backoff), the uWS
// listener. Used by main.ts (the binary), dev.ts (make run) and the integration tests.

import { parseConnInfo, Pool } from '../protocol/index.js';
import type { AppConfig } from './config.js';
import { handle } from './handler.js';
import { loadSchemaCache } from './schema-loader.js';
import { listenHost, startServer, uwsIsNative } from './server.js';
import type { AppState } from './state.js';

export interface Gateway {
  readonly port: number;
  readonly state: AppState;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Serve on uWS's pure-JS fallback instead of refusing to start. */
  readonly allowSlowHttp?: boolean;
  readonly log?: (line: string) => void;
}

const MAX_BODY_BYTES = 128 * 1024 * 1024;

export async function startGateway(config: AppConfig, options: StartOptions = {}): Promise<Gateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  if (!uwsIsNative() && options.allowSlowHttp !== true) {
    throw new Error(
      'uWebSockets.js loaded its slow pure-JS fallback, not the native addon. Fix the install ' +
        '(see README) or set PGRST_SERVER_ALLOW_SLOW_HTTP=true to run anyway.',
    );
  }
  const info = parseConnInfo(config.dbUri, process.env);
  const pool = new Pool(info, {
    size: config.dbPool,
    pipelineDepth: config.dbPoolPipelineDepth,
    acquisitionTimeoutMs: config.dbPoolAcquisitionTimeout * 1000,
    maxIdleMs: config.dbPoolMaxIdletime * 1000,
    maxLifetimeMs: config.dbPoolMaxLifetime * 1000,
    statementCacheSize: 1000,
    preparedStatements: config.dbPreparedStatements,
    // Notices (RAISE NOTICE, 25P01 …) are logged with their SQLSTATE, never dropped.
    onNotice: (n) => log(`notice ${n.code}: ${n.message}`),
  });
  const state: AppState = { config, pool, schemaCache: null };

  let stopped = false;
  const loadWithRetry = async (): Promise<void> => {
    let delay = 1000;
    while (!stopped) {
      try {
        const started = Date.now();
        state.schemaCache = await loadSchemaCache(pool, config.dbSchemas);
        pool.clearStatementCaches();
        log(`Schema cache loaded in ${Date.now() - started} ms (${state.schemaCache.tables.size} relations)`);
        return;
      } catch (err) {
        log(`Could not load the schema cache: ${err instanceof Error ? err.message : String(err)}. Retrying in ${delay / 1000} s.`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 32000);
      }
    }
  };
  // The first load is awaited so a started gateway is ready; later failures retry in the background.
  await loadWithRetry();

  const server = await startServer(listenHost(config.serverHost), config.serverPort, (raw) => handle(state, raw), MAX_BODY_BYTES);
  log(`Listening on port ${server.port}`);
  return {
    port: server.port,
    state,
    stop: async () => {
      stopped = true;
      server.close();
      await pool.end();
    },
  };
}
