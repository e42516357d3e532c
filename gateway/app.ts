// Wires one gateway instance: pool, first schema-cache load (retried with backoff), the uWS
// listener. Used by main.ts (the binary), dev.ts (make run) and the integration tests.

import { parseConnInfo, Pool } from '../protocol/index.js';
import type { AppConfig } from './config.js';
import { handle } from './handler.js';
import { Authenticator } from './auth.js';
import { loadRoleSettings, loadSchemaCache } from './schema-loader.js';
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
const JWKS_REFRESH_MS = 300_000;

export async function startGateway(config: AppConfig, options: StartOptions = {}): Promise<Gateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  if (!uwsIsNative() && options.allowSlowHttp !== true) {
    throw new Error(
      'uWebSockets.js loaded its slow pure-JS fallback, not the native addon. Fix the install ' +
        '(see README) or set PGRST_SERVER_ALLOW_SLOW_HTTP=true to run anyway.',
    );
  }
  // Built before anything connects: a bad jwt-secret or role claim key refuses to start.
  const auth = new Authenticator(config);
  const info = parseConnInfo(config.dbUri, process.env);
  const pool = new Pool(info, {
    size: config.dbPool,
    pipelineDepth: 64,
    acquisitionTimeoutMs: config.dbPoolAcquisitionTimeout * 1000,
    statementCacheSize: 1000,
    preparedStatements: config.dbPreparedStatements,
    onNotice: (n) => log(`notice: ${n.message}`),
  });
  const state: AppState = { config, auth, pool, schemaCache: null, roleSettings: new Map() };
  // A jwt-jwks-uri key set is fetched up front and then periodically, so neither the first
  // request nor the first one after a rotation waits for it (an unknown kid also refetches).
  // Through state.auth, so a reloaded config's key set is the one refreshed.
  let jwksTimer: NodeJS.Timeout | null = null;
  if (config.jwtJwksUri !== null) {
    const refresh = (): void => {
      state.auth.refreshKeys().catch((err: unknown) => log(`Could not fetch jwt-jwks-uri: ${err instanceof Error ? err.message : String(err)}`));
    };
    refresh();
    jwksTimer = setInterval(refresh, JWKS_REFRESH_MS);
    jwksTimer.unref();
  }

  let stopped = false;
  const loadWithRetry = async (): Promise<void> => {
    let delay = 1000;
    while (!stopped) {
      try {
        const started = Date.now();
        const [schemaCache, roleSettings] = await Promise.all([loadSchemaCache(pool, config.dbSchemas), loadRoleSettings(pool)]);
        state.schemaCache = schemaCache;
        state.roleSettings = roleSettings;
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
      if (jwksTimer !== null) clearInterval(jwksTimer);
      server.close();
      await pool.end();
    },
  };
}
