// Wires one gateway instance: pool, first schema-cache load (retried with backoff), the uWS
// listener. Used by main.ts (the binary), dev.ts (make run) and the integration tests.

import { parseConnInfo, Pool, type PoolOptions } from '../protocol/index.js';
import { ReplicaSet } from './replicas.js';
import { startAdmin, type AdminServer } from './admin.js';
import { ConfigError, type AppConfig } from './config.js';
import { anyOrigin, corsHeaders, isPreflight, preflightHeaders } from './cors.js';
import { formatAccess, shouldLog } from './access-log.js';
import { handle, type RequestMeta } from './handler.js';
import { optionsResponse } from './options.js';
import { rootResponse } from './root.js';
import { errorResponse, type HttpResponse } from './http-response.js';
import { Metrics } from './metrics.js';
import { startListener, type Listener } from './listener.js';
import { SchemaReloader } from './reloader.js';
import { readSnapshot } from './snapshot.js';
import { Authenticator } from './auth.js';
import { listenHosts, startServer, uwsIsNative, type Bind, type ServerControl } from './server.js';
import { ServerTiming } from './server-timing.js';
import { loadDbSettings } from './db-config.js';
import type { CatalogLoad } from './schema-loader.js';
import { applyConfig, type AppState } from './state.js';
import { apiError, type RawRequest } from '../planner/index.js';
import { PlanCache } from './plan-cache.js';
import { explorerClash, explorerResponse, isExplorerPath } from './explorer.js';

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
  /**
   * Re-read the config (SIGUSR2, NOTIFY 'reload config'): file, environment and, with
   * db-config, the database. An invalid one is logged and the old one kept (resolves false).
   */
  reloadConfig(): Promise<boolean>;
  /** Swap in a schema cache another thread loaded (server-workers), without a query. */
  adoptSchema(load: CatalogLoad): void;
  /**
   * Stop serving. Without `drainMs` it waits for in-flight requests; with it, it keeps answering
   * open connections (each answer closes its connection) for up to that long (server-drain-timeout).
   */
  stop(drainMs?: number): Promise<void>;
}

export interface StartOptions {
  /** Serve on uWS's pure-JS fallback instead of refusing to start. */
  readonly allowSlowHttp?: boolean;
  readonly log?: (line: string) => void;
  /** Access-log lines (stdout by default). */
  readonly accessLog?: (line: string) => void;
  /**
   * Re-reads the configuration (file + environment, overridden by `db`, the in-database
   * settings) at start and for SIGUSR2 / NOTIFY 'reload config'. Absent = neither in-database
   * config nor reloads.
   */
  readonly loadConfig?: (db?: ReadonlyMap<string, string>) => AppConfig;
  /**
   * Called when the database connection is lost and db-pool-automatic-recovery is off;
   * main.ts exits there, as PostgREST does. Logged either way.
   */
  readonly onFatal?: (reason: string) => void;
  /** Resolve only after the first schema-cache load (default true). */
  readonly waitForSchema?: boolean;
  /**
   * server-workers: the main thread's schema-cache load, handed to a worker thread, which serves
   * it from the start and loads none itself (later ones arrive through adoptSchema).
   */
  readonly handedSchema?: CatalogLoad;
  /** Each successful schema-cache load's raw answers (the main thread forwards them to workers). */
  readonly onSchemaLoaded?: (load: CatalogLoad) => void;
  /** After each successful config reload, however triggered (the main thread forwards it to workers). */
  readonly onConfigReloaded?: () => void;
}

const MAX_BODY_BYTES = 128 * 1024 * 1024;
const JWKS_REFRESH_MS = 300_000;

export async function startGateway(initialConfig: AppConfig, options: StartOptions = {}): Promise<Gateway> {
  let config = initialConfig;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const accessLog = options.accessLog ?? ((line: string) => process.stdout.write(line + '\n'));
  if (!uwsIsNative() && options.allowSlowHttp !== true) {
    throw new Error(
      'uWebSockets.js loaded its slow pure-JS fallback, not the native addon. Fix the install ' +
        '(see README) or set PGRST_SERVER_ALLOW_SLOW_HTTP=true to run anyway.',
    );
  }
  // Built before anything connects: a bad jwt-secret or role claim key refuses to start.
  let auth = new Authenticator(config);
  const info = parseConnInfo(config.dbUri, process.env);
  const pool = new Pool(info, poolOptions(config, log));
  const loadConfig = options.loadConfig;
  /**
   * The configuration with the database's `pgrst.*` settings applied (db-config), or null when
   * there is nothing to apply. The flag and pre-config function come from file + environment.
   */
  const withDbSettings = async (base: AppConfig): Promise<AppConfig | null> => {
    if (loadConfig === undefined || !base.dbConfig) return null;
    return loadConfig(await loadDbSettings(pool, base.dbPreConfig));
  };
  // At start, as PostgREST: a database that cannot be asked is logged and the file/environment
  // config used (the first schema load reads the settings again once it connects); invalid
  // settings stop the start.
  let dbConfigRead = false;
  try {
    const fromDb = await withDbSettings(config);
    if (fromDb !== null) {
      auth = new Authenticator(fromDb);
      config = fromDb;
      dbConfigRead = true;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      await pool.end();
      throw new ConfigError(`in-database config (db-config): ${err.message}`, { cause: err });
    }
    log(`Could not read the in-database config: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (config.serverReuseport && config.serverUnixSocket !== null) log('server-reuseport has no effect on a unix socket');
  let fatalReported = false;
  const fatal = (reason: string): void => {
    if (fatalReported) return;
    fatalReported = true;
    log(`${reason}; db-pool-automatic-recovery is off, so the gateway stops`);
    options.onFatal?.(reason);
  };
  const metrics = new Metrics();
  metrics.poolStats = () => pool.stats();
  // Each replica gets a pool of db-pool connections of its own: it is another server.
  const replicas = config.dbReadUris.length === 0 ? null : new ReplicaSet(config.dbReadUris, poolOptions(config, log), config.dbReadMaxLag, log);
  if (replicas !== null) metrics.replicaStats = () => replicas.stats();
  const state: AppState = { config, auth, pool, schemaCache: null, roleSettings: new Map(), planCache: new PlanCache(PLAN_CACHE_SIZE), replicas };
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
  if (replicas !== null) reloader.onSwap = () => replicas.clearStatementCaches();
  if (options.onSchemaLoaded !== undefined) reloader.onLoaded = options.onSchemaLoaded;
  if (options.handedSchema !== undefined) reloader.adopt(options.handedSchema);
  // An unchanged config is not swapped: a new authenticator would flush the JWT cache on every
  // schema reload (which re-reads the in-database config) for nothing.
  const swapConfig = (next: AppConfig): void => {
    if (JSON.stringify(next) === JSON.stringify(state.config)) return;
    applyConfig(state, next);
    updateCapture(next);
  };
  // Settings that shape connections and listeners (db-uri, db-pool, server-port, …) need a
  // restart; the rest — JWT keys, roles, app settings, limits, log level — apply at once.
  // New exposed schemas need a schema cache that covers them, so that reload follows; a
  // changed db-channel or db-channel-enabled restarts the listener (PostgREST v16).
  let listener: Listener | null = null;
  const listen = (c: AppConfig): Listener | null =>
    c.dbChannelEnabled
      ? startListener(info, c.dbChannel, (n) => {
          log(`Received a ${n} notification`);
          if (n === 'reload schema') void reloader.reload();
          else void reloadConfig();
        }, log)
      : null;
  const reloadConfig = async (): Promise<boolean> => {
    if (loadConfig === undefined) return false;
    try {
      const base = loadConfig();
      const next = (await withDbSettings(base)) ?? base;
      const prev = state.config;
      swapConfig(next);
      log('Config reloaded');
      options.onConfigReloaded?.();
      if (next.dbSchemas.join(',') !== prev.dbSchemas.join(',')) void reloader.reload();
      if (next.dbChannelEnabled !== prev.dbChannelEnabled || next.dbChannel !== prev.dbChannel) {
        const old = listener;
        listener = listen(next);
        await old?.stop();
      }
      return true;
    } catch (err) {
      log(`Config reload failed, keeping the old config: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  };
  // A schema reload re-reads the in-database config first, as PostgREST's does; the first load
  // skips it when the start already read it. A failure there keeps the old config.
  reloader.beforeLoad = async () => {
    if (dbConfigRead) {
      dbConfigRead = false;
      return;
    }
    if (loadConfig === undefined || !state.config.dbConfig) return;
    try {
      const next = await withDbSettings(loadConfig());
      if (next !== null) swapConfig(next);
    } catch (err) {
      log(`Could not re-read the in-database config, keeping the old config: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  listener = listen(config);

  let lastRequest = process.hrtime.bigint();
  // The client address is only for the access log at info and debug (every request logged).
  const control: ServerControl = { captureRemote: false, writeTimeoutMs: config.serverWriteTimeout * 1000, draining: false };
  const updateCapture = (c: AppConfig): void => {
    control.captureRemote = c.logLevel === 'info' || c.logLevel === 'debug';
    control.writeTimeoutMs = c.serverWriteTimeout * 1000;
  };
  updateCapture(config);
  /** Set at stop(): /ready answers 503 from then on. */
  let draining = false;
  // The admin server listens before the first schema-cache load, as PostgREST's does: /live
  // answers 200 while the process is alive and /ready 503 until the cache is loaded and the
  // database answers, so a pod started while its database is down is not restart-looped.
  let admin: AdminServer | null = null;
  try {
    if (config.adminServerUnixSocket !== null) {
      const socket = { path: config.adminServerUnixSocket, mode: config.adminServerUnixSocketMode };
      admin = await startAdmin({ kind: 'unix', ...socket }, state, metrics, () => draining);
      log(`Admin server listening on unix socket ${socket.path}`);
    } else if (config.adminServerPort !== null) {
      admin = await startAdmin({ kind: 'tcp', hosts: listenHosts(config.adminServerHost), port: config.adminServerPort, reusePort: false }, state, metrics, () => draining);
      log(`Admin server listening on port ${admin.port}`);
    }
  } catch (err) {
    // An admin port in use: nothing else was started yet but the pool (and the listener).
    reloader.stop();
    if (jwksTimer !== null) clearInterval(jwksTimer);
    await listener?.stop();
    await replicas?.end();
    await pool.end();
    throw err;
  }
  // Requests that arrive before the first load get 503 PGRST002 from the handler.
  const firstLoad = options.handedSchema !== undefined
    ? Promise.resolve()
    : reloader.initial(config.dbPoolAutomaticRecovery).catch((err: unknown) => {
      fatal(`Could not load the schema cache: ${err instanceof Error ? err.message : String(err)}`);
    });
  // Sharing the port with a live process (a handover, or server-workers), the kernel sends this
  // one connections as soon as it listens: it listens only once it can serve them.
  if (config.serverReuseport && config.serverUnixSocket === null) await firstLoad;
  /**
   * A start that fails once the pool, the listener and the first load are under way releases
   * them all. The first load above all: left running, it retries against the closed pool
   * forever, and its timer keeps the process (a test runner, say) alive after the failed start.
   */
  const abandon = async (): Promise<void> => {
    reloader.stop();
    await admin?.close();
    if (jwksTimer !== null) clearInterval(jwksTimer);
    await firstLoad;
    await listener?.stop();
    await replicas?.end();
    await pool.end();
  };
  const bind: Bind = config.serverUnixSocket !== null
    ? { kind: 'unix', path: config.serverUnixSocket, mode: config.serverUnixSocketMode }
    : { kind: 'tcp', hosts: listenHosts(config.serverHost), port: config.serverPort, reusePort: config.serverReuseport };
  const server = await startServer(
    bind,
    async (raw, remote, signal) => {
      const started = process.hrtime.bigint();
      lastRequest = started;
      const current = state.config;
      const meta: RequestMeta = current.serverTimingEnabled ? { role: '', signal, timing: new ServerTiming() } : { role: '', signal };
      let response = await route(state, raw, meta);
      metrics.observeRequest(raw.method, response.status, Number(process.hrtime.bigint() - started) / 1e9);
      if (response.status >= 400) response = afterFailure(response, current, fatal);
      if (meta.timing !== undefined || current.serverTraceHeader !== null) response = withOpsHeaders(response, raw, meta, current);
      if (shouldLog(current.logLevel, response.status) && !isPreflight(raw.method, raw.headers)) {
        if (meta.sql !== undefined) log(`${raw.method} ${raw.path}${raw.query === '' ? '' : '?' + raw.query}: ${meta.sql}`);
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
    },
    MAX_BODY_BYTES,
    control,
  ).catch(async (err: unknown) => {
    await abandon();
    throw err;
  });
  log(bind.kind === 'unix' ? `Listening on unix socket ${bind.path}` : `Listening on port ${server.port}`);
  if (options.waitForSchema !== false) await firstLoad;
  // The explorer path must not hide a table: refused at start, once the cache names them.
  const clash = explorerClash(config.openapiUiPath, config.dbSchemas, state.schemaCache);
  if (clash !== null) {
    server.close();
    await abandon();
    throw new ConfigError(clash);
  }
  return {
    port: server.port,
    adminPort: admin?.port ?? null,
    metrics,
    state,
    schemaLoaded: firstLoad,
    reloadSchema: () => reloader.reload(),
    reloadConfig,
    adoptSchema: (load) => reloader.adopt(load),
    // Graceful, in this order: /ready answers 503, the listening socket closes (a process
    // sharing the port under server-reuseport gets every new connection), requests on
    // connections already open are answered with Connection: close for up to `drainMs`, every
    // request in flight then finishes (past the drain time too), and only then does the pool
    // close, after the server stopped taking requests: none of them can meet a closed pool.
    stop: async (drainMs?: number) => {
      reloader.stop();
      draining = true;
      if (jwksTimer !== null) clearInterval(jwksTimer);
      server.close();
      control.draining = true;
      if (drainMs !== undefined && drainMs > 0) await drain(drainMs, () => server.pending(), () => lastRequest);
      if (server.pending() > 0) {
        log(`Waiting for ${server.pending()} request(s) in flight before closing the database pool`);
        // Bounded: a database (or a PgBouncer) that stopped answering must not keep a stopped
        // process alive for ever; what is still in flight then fails as the pool closes.
        let capTimer: NodeJS.Timeout | null = null;
        const capped = await Promise.race([
          server.whenIdle().then(() => false),
          new Promise<boolean>((r) => (capTimer = setTimeout(() => r(true), IN_FLIGHT_CAP_MS))),
        ]);
        if (capTimer !== null) clearTimeout(capTimer);
        if (capped) log(`Closing the database pool under ${server.pending()} request(s) still in flight after ${IN_FLIGHT_CAP_MS / 1000} s`);
      }
      control.closed = true;
      await listener?.stop();
      await admin?.close();
      await replicas?.end();
      await pool.end();
    },
  };
}

/** How long a stop waits for requests in flight once the drain time is up (or at once without one). */
const IN_FLIGHT_CAP_MS = 30_000;

/** The pool settings of db-uri's pool, and of each db-read-uris replica's. */
function poolOptions(config: AppConfig, log: (line: string) => void): PoolOptions {
  return {
    size: config.dbPool,
    pipelineDepth: config.dbPoolPipelineDepth,
    acquisitionTimeoutMs: config.dbPoolAcquisitionTimeout * 1000,
    maxIdleMs: config.dbPoolMaxIdletime * 1000,
    maxLifetimeMs: config.dbPoolMaxLifetime * 1000,
    statementCacheSize: 1000,
    preparedStatements: config.dbPreparedStatements,
    // Notices (RAISE NOTICE, 25P01 …) are logged with their SQLSTATE, never dropped.
    onNotice: (n) => log(`notice ${n.code}: ${n.message}`),
  };
}

/** uWS closes a keep-alive connection idle this long (HTTP_IDLE_TIMEOUT_S, fixed in the addon). */
const UWS_IDLE_MS = 10_000;

/**
 * The drain after SIGTERM: until `ms` have passed, or earlier once nothing is in flight and no
 * request came for uWS's idle timeout (every keep-alive connection is closed by then).
 */
async function drain(ms: number, pending: () => number, lastRequest: () => bigint): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const quietMs = Number(process.hrtime.bigint() - lastRequest()) / 1e6;
    if (pending() === 0 && quietMs >= UWS_IDLE_MS) return;
    await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, deadline - Date.now()))));
  }
}

/** OPTIONS, the OpenAPI root and CORS around the API handler; the first two never touch the pool. */
async function route(state: AppState, raw: RawRequest, meta: RequestMeta): Promise<HttpResponse> {
  const config = state.config;
  const isRoot = (raw.method === 'GET' || raw.method === 'HEAD') && (raw.path === '/' || raw.path === '');
  if (raw.method === 'OPTIONS' && isPreflight(raw.method, raw.headers)) {
    return { status: 200, headers: preflightHeaders(raw.headers, config.serverCorsAllowedOrigins), body: undefined };
  }
  const ui = config.openapiUiPath;
  if (ui !== null && isExplorerPath(ui, raw.path)) return explorerResponse(ui, raw.path, raw.method, config.dbSchemas);
  if (raw.method !== 'OPTIONS' && !isRoot) return withCors(withVary(await handle(state, raw, meta)), raw, config.serverCorsAllowedOrigins);
  // Answered from the schema cache alone, for the schema the profile header picks.
  const schema = raw.headers['accept-profile'] ?? config.dbSchemas[0]!;
  let response: HttpResponse;
  const timing = raw.method === 'OPTIONS' ? meta.timing : undefined;
  timing?.lap('jwt');
  if (!config.dbSchemas.includes(schema)) {
    response = errorResponse(apiError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${config.dbSchemas.join(', ')}`));
  } else if (state.schemaCache === null) {
    response = errorResponse(apiError(503, 'PGRST002', 'Could not query the database for the schema cache. Retrying.'), [['Retry-After', '1']]);
  } else if (raw.method === 'OPTIONS') {
    timing?.lap('parse');
    // An unknown function gets the planner's 404 for the same call (it never reaches the pool).
    const cache = state.schemaCache;
    response = optionsResponse(raw.path, raw.query, schema, cache, anyOrigin(config.serverCorsAllowedOrigins)) ?? (await handle(state, { ...raw, method: 'GET' }, { role: meta.role }));
    timing?.lap('response');
  } else {
    response = await rootResponse(state, state.schemaCache, raw, schema, meta);
  }
  return withCors(withVary(response), raw, config.serverCorsAllowedOrigins);
}

/** PostgREST's `Vary: Accept, Prefer, Range` on every answer it produced (not on errors), unless one is set. */
function withVary(response: HttpResponse): HttpResponse {
  // (The length test first: lower-casing every header name is an allocation per header.)
  if (response.status >= 400 || response.headers.some(([k]) => k.length === 4 && k.toLowerCase() === 'vary')) return response;
  return { ...response, headers: [...response.headers, ['Vary', 'Accept, Prefer, Range']] };
}

/**
 * Error responses only: a lost connection is fatal without db-pool-automatic-recovery, and
 * client-error-verbosity = minimal keeps just code and message of the error body.
 */
function afterFailure(response: HttpResponse, config: AppConfig, fatal: (reason: string) => void): HttpResponse {
  if (response.status === 503 && !config.dbPoolAutomaticRecovery) {
    const code = response.headers.find(([k]) => k === 'Proxy-Status')?.[1];
    if (code === 'PostgREST; error=PGRST000' || code === 'PostgREST; error=PGRST001') fatal('The database connection was lost');
  }
  if (config.clientErrorVerbosity === 'verbose' || response.body === undefined) return response;
  const type = response.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!type.startsWith('application/json')) return response;
  try {
    const error = JSON.parse(response.body.toString()) as Record<string, unknown>;
    if (typeof error !== 'object' || error === null || !('code' in error) || !('message' in error)) return response;
    return { ...response, body: JSON.stringify({ code: error['code'], message: error['message'] }) };
  } catch {
    return response;
  }
}

/** Server-Timing and the server-trace-header echo, added only when configured. */
function withOpsHeaders(response: HttpResponse, raw: RawRequest, meta: RequestMeta, config: AppConfig): HttpResponse {
  const headers = [...response.headers];
  // OPTIONS, CORS preflights and the root never reach the handler's phases: no header then.
  const timing = meta.timing?.header() ?? '';
  if (timing !== '') headers.push(['Server-Timing', timing]);
  const trace = config.serverTraceHeader === null ? undefined : raw.headers[config.serverTraceHeader];
  if (trace !== undefined) headers.push([config.serverTraceHeader!, trace]);
  return { ...response, headers };
}

function withCors(response: HttpResponse, raw: RawRequest, allowed: readonly string[] | null): HttpResponse {
  const extra = corsHeaders(raw.headers['origin'], allowed);
  return extra.length === 0 ? response : { ...response, headers: [...response.headers, ...extra] };
}
