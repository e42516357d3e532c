// Wires one gateway instance: pool, first schema-cache load (retried with backoff), the uWS
// listener. Used by main.ts (the binary), dev.ts (make run) and the integration tests.

import { parseConnInfo, Pool } from '../protocol/index.js';
import { startAdmin, type AdminServer } from './admin.js';
import type { AppConfig } from './config.js';
import { corsHeaders, isPreflight, preflightHeaders } from './cors.js';
import { formatAccess, shouldLog } from './access-log.js';
import { handle, type RequestMeta } from './handler.js';
import { optionsResponse } from './options.js';
import { rootResponse } from './root.js';
import { errorResponse, type HttpResponse } from './response.js';
import { Metrics } from './metrics.js';
import { startListener } from './listener.js';
import { SchemaReloader } from './reloader.js';
import { readSnapshot } from './snapshot.js';
import { Authenticator } from './auth.js';
import { listenHost, startServer, uwsIsNative } from './server.js';
import { applyConfig, type AppState } from './state.js';
import { apiError, type RawRequest } from '../planner/index.js';
import { PlanCache } from './plan-cache.js';

/** Distinct request shapes whose statement text is kept. */
const PLAN_CACHE_SIZE = 2000;

export interface Gateway {
  readonly port: number;
  /** The admin server's port, or null when admin-server-port is not set. */
  readonly adminPort: number | null;
  readonly metrics: Metrics;
  readonly state: AppState;
  /** Settles when the first schema-cache load (or the check of a restored snapshot) is done. */
  readonly schemaLoaded: Promise<void>;
  /** Reload the schema cache (SIGUSR1); resolves when the swap (or its failure) is done. */
  reloadSchema(): Promise<void>;
  /** Re-read the config (SIGUSR2); an invalid one is logged and the old one kept. */
  reloadConfig(): boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Serve on uWS's pure-JS fallback instead of refusing to start. */
  readonly allowSlowHttp?: boolean;
  readonly log?: (line: string) => void;
  /** Access-log lines (stdout by default). */
  readonly accessLog?: (line: string) => void;
  /** Re-reads the configuration for SIGUSR2 / NOTIFY 'reload config'; absent = not reloadable. */
  readonly loadConfig?: () => AppConfig;
  /** Resolve only after the first schema-cache load (default true). */
  readonly waitForSchema?: boolean;
}

const MAX_BODY_BYTES = 128 * 1024 * 1024;
const JWKS_REFRESH_MS = 300_000;

export async function startGateway(config: AppConfig, options: StartOptions = {}): Promise<Gateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const accessLog = options.accessLog ?? ((line: string) => process.stdout.write(line + '\n'));
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
    pipelineDepth: config.dbPoolPipelineDepth,
    acquisitionTimeoutMs: config.dbPoolAcquisitionTimeout * 1000,
    maxIdleMs: config.dbPoolMaxIdletime * 1000,
    maxLifetimeMs: config.dbPoolMaxLifetime * 1000,
    statementCacheSize: 1000,
    preparedStatements: config.dbPreparedStatements,
    // Notices (RAISE NOTICE, 25P01 …) are logged with their SQLSTATE, never dropped.
    onNotice: (n) => log(`notice ${n.code}: ${n.message}`),
  });
  const metrics = new Metrics();
  metrics.poolStats = () => pool.stats();
  const state: AppState = { config, auth, pool, schemaCache: null, roleSettings: new Map(), planCache: new PlanCache(PLAN_CACHE_SIZE) };
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

  // Restored before the server listens, so no request sees the 503 window the load would leave.
  const restored = config.schemaCacheSnapshot === null ? null : readSnapshot(config.schemaCacheSnapshot, config.dbSchemas, log);
  if (restored !== null) {
    state.schemaCache = restored.cache;
    state.roleSettings = restored.roleSettings;
  }
  const reloader = new SchemaReloader(state, metrics, log, restored?.fingerprint ?? null);
  // Settings that shape connections and listeners (db-uri, db-pool, server-port, …) need a
  // restart; the rest — JWT keys, roles, app settings, limits, log level — apply at once.
  const reloadConfig = (): boolean => {
    if (options.loadConfig === undefined) return false;
    try {
      applyConfig(state, options.loadConfig());
      log('Config reloaded');
      return true;
    } catch (err) {
      log(`Config reload failed, keeping the old config: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  };
  const listener = config.dbChannelEnabled
    ? startListener(info, config.dbChannel, (n) => {
        log(`Received a ${n} notification`);
        if (n === 'reload schema') void reloader.reload();
        else reloadConfig();
      }, log)
    : null;

  let inFlight = 0;
  let drained: (() => void) | null = null;
  const server = await startServer(
    listenHost(config.serverHost),
    config.serverPort,
    async (raw, remote, signal) => {
      const started = process.hrtime.bigint();
      inFlight++;
      try {
        const meta: RequestMeta = { role: '', signal };
        const response = await route(state, raw, meta);
        metrics.observeRequest(raw.method, response.status, Number(process.hrtime.bigint() - started) / 1e9);
        if (shouldLog(state.config.logLevel, response.status) && !isPreflight(raw.method, raw.headers)) {
          const body = response.body;
          const bytes = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
          accessLog(
            formatAccess({
              method: raw.method, path: raw.path, query: raw.query, status: response.status, bytes, role: meta.role,
              referer: raw.headers['referer'] ?? '', userAgent: raw.headers['user-agent'] ?? '', remote: remote || '-', time: new Date(),
            }),
          );
        }
        return response;
      } finally {
        if (--inFlight === 0 && drained !== null) drained();
      }
    },
    MAX_BODY_BYTES,
    config.logLevel === 'info' || config.logLevel === 'debug',
  );
  let listening = true;
  log(`Listening on port ${server.port}`);
  // Requests that arrive before the first load get 503 PGRST002 from the handler.
  const firstLoad = reloader.initial();
  if (options.waitForSchema !== false) await firstLoad;
  let admin: AdminServer | null = null;
  if (config.adminServerPort !== null) {
    admin = await startAdmin(listenHost(config.adminServerHost), config.adminServerPort, state, metrics, () => listening);
    log(`Admin server listening on port ${admin.port}`);
  }
  return {
    port: server.port,
    adminPort: admin?.port ?? null,
    metrics,
    state,
    schemaLoaded: firstLoad,
    reloadSchema: () => reloader.reload(),
    reloadConfig,
    // Graceful: stop accepting, let in-flight requests finish, then close the connections.
    stop: async () => {
      reloader.stop();
      listening = false;
      if (jwksTimer !== null) clearInterval(jwksTimer);
      await listener?.stop();
      server.close();
      if (inFlight > 0) await new Promise<void>((r) => (drained = r));
      await admin?.close();
      await pool.end();
    },
  };
}

/** OPTIONS, the OpenAPI root and CORS around the API handler; the first two never touch the pool. */
async function route(state: AppState, raw: RawRequest, meta: RequestMeta): Promise<HttpResponse> {
  const config = state.config;
  const isRoot = (raw.method === 'GET' || raw.method === 'HEAD') && (raw.path === '/' || raw.path === '');
  if (raw.method === 'OPTIONS' && isPreflight(raw.method, raw.headers)) {
    return { status: 200, headers: preflightHeaders(raw.headers, config.serverCorsAllowedOrigins), body: undefined };
  }
  if (raw.method !== 'OPTIONS' && !isRoot) return withCors(await handle(state, raw, meta), raw, config.serverCorsAllowedOrigins);
  // Answered from the schema cache alone, for the schema the profile header picks.
  const schema = raw.headers['accept-profile'] ?? config.dbSchemas[0]!;
  let response: HttpResponse;
  if (!config.dbSchemas.includes(schema)) {
    response = errorResponse(apiError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${config.dbSchemas.join(', ')}`));
  } else if (state.schemaCache === null) {
    response = errorResponse(apiError(503, 'PGRST002', 'Could not query the database for the schema cache. Retrying.'), [['Retry-After', '1']]);
  } else if (raw.method === 'OPTIONS') {
    response = optionsResponse(raw.path, schema, state.schemaCache);
  } else {
    response = await rootResponse(state, state.schemaCache, raw, schema, meta);
  }
  return withCors(response, raw, config.serverCorsAllowedOrigins);
}

function withCors(response: HttpResponse, raw: RawRequest, allowed: readonly string[] | null): HttpResponse {
  const extra = corsHeaders(raw.headers['origin'], allowed);
  return extra.length === 0 ? response : { ...response, headers: [...response.headers, ...extra] };
}
