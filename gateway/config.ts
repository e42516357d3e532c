// Configuration loading: builds the typed, frozen AppConfig from a PostgREST config file
// (configurator syntax: `key = value`, `#` comments, `$(VAR)` interpolation, `$$` for `$`),
// PGRST_* environment variables and in-database settings (`pgrst.*`, read by db-config.ts).
// Owns the defaults, the legacy option aliases, the env-name mapping, `@file` values and
// value validation. Precedence: file < environment < database; unknown keys are ignored, as
// PostgREST does.

import { readFileSync } from 'node:fs';

export type TxEnd = 'commit' | 'commit-allow-override' | 'rollback' | 'rollback-allow-override';
export type LogLevel = 'crit' | 'error' | 'warn' | 'info' | 'debug';
export type ClientErrorVerbosity = 'verbose' | 'minimal';

export interface AppConfig {
  readonly dbUri: string;
  readonly dbSchemas: readonly string[];
  readonly dbAnonRole: string | null;
  readonly dbPool: number;
  /** Seconds a request waits for a pool slot. */
  readonly dbPoolAcquisitionTimeout: number;
  /** Seconds before an idle pool connection is closed (0 = never). */
  readonly dbPoolMaxIdletime: number;
  /** Seconds before a pool connection is recycled once idle (0 = never). */
  readonly dbPoolMaxLifetime: number;
  /** Ours, not PostgREST's: request batches in flight per connection before the pool looks elsewhere. */
  readonly dbPoolPipelineDepth: number;
  readonly dbMaxRows: number | null;
  readonly dbExtraSearchPath: readonly string[];
  readonly dbPreparedStatements: boolean;
  readonly dbTxEnd: TxEnd;
  readonly dbPreRequest: string | null;
  /** db-hoisted-tx-settings: function SET clauses applied to the whole call transaction. */
  readonly dbHoistedTxSettings: readonly string[];
  /** db-plan-enabled: allow `Accept: application/vnd.pgrst.plan`. */
  readonly dbPlanEnabled: boolean;
  readonly serverHost: string;
  readonly serverPort: number;
  readonly jwtSecret: string | null;
  readonly jwtSecretIsBase64: boolean;
  readonly jwtAud: string | null;
  readonly jwtRoleClaimKey: string;
  /** 0 disables the verified-token cache. */
  readonly jwtCacheMaxEntries: number;
  /** Beyond PostgREST: fetch the JWKS from this URL instead of jwt-secret. */
  readonly jwtJwksUri: string | null;
  /** Beyond PostgREST: read the token from this cookie when no Authorization is sent. */
  readonly jwtCookieName: string | null;
  readonly logLevel: LogLevel;
  /** `app.settings.*` keys, with the `app.settings.` prefix removed. */
  readonly appSettings: Readonly<Record<string, string>>;
  /** admin-server-port: /live, /ready, /metrics, /schema_cache; null = no admin server. */
  readonly adminServerPort: number | null;
  /** admin-server-host, defaulting to server-host. */
  readonly adminServerHost: string;
  /** server-cors-allowed-origins; null allows any origin. */
  readonly serverCorsAllowedOrigins: readonly string[] | null;
  /** openapi-mode: follow-privileges describes what the request role may use; ignore-privileges everything. */
  readonly openapiMode: 'follow-privileges' | 'ignore-privileges' | 'disabled';
  readonly openapiServerProxyUri: string | null;
  /** openapi-security-active: securityDefinitions (JWT) and security in the output. */
  readonly openapiSecurityActive: boolean;
  /** Beyond PostgREST: the OpenAPI version served by default (Accept `;version=` picks the other). */
  readonly openapiVersion: '2.0' | '3.1';
  /** Beyond PostgREST: the path of the API explorer page (Swagger UI of the OpenAPI at `/`); null = off. */
  readonly openapiUiPath: string | null;
  /** db-root-spec: a function whose result is served at `/` instead of the generated description. */
  readonly dbRootSpec: string | null;
  /** db-channel: the NOTIFY channel for reloads. */
  readonly dbChannel: string;
  readonly dbChannelEnabled: boolean;
  /** Beyond PostgREST: a msgpack file the schema cache is restored from at start and saved to after each load. */
  readonly schemaCacheSnapshot: string | null;
  /** db-config: read `pgrst.*` settings (role settings and db-pre-config) from the database. */
  readonly dbConfig: boolean;
  /** db-pre-config: a function that sets `pgrst.*` settings with set_config(…, true). */
  readonly dbPreConfig: string | null;
  readonly dbAggregatesEnabled: boolean;
  readonly dbPoolAutomaticRecovery: boolean;
  readonly clientErrorVerbosity: ClientErrorVerbosity;
  /** log-query: log the main SQL of each request the access log records. */
  readonly logQuery: boolean;
  /** server-reuseport: false binds the port exclusively, as PostgREST does by default. */
  readonly serverReuseport: boolean;
  /** server-trace-header: a request header echoed back in the response (lower-cased). */
  readonly serverTraceHeader: string | null;
  readonly serverTimingEnabled: boolean;
  /** Beyond PostgREST: seconds a response may wait on a client that reads nothing before its connection is closed. */
  readonly serverWriteTimeout: number;
  /** Beyond PostgREST: seconds the gateway keeps answering open connections after SIGTERM/SIGINT. */
  readonly serverDrainTimeout: number;
  /** server-unix-socket: serve the API on this socket path instead of host:port. */
  readonly serverUnixSocket: string | null;
  /** server-unix-socket-mode, as a number (0o660 by default). */
  readonly serverUnixSocketMode: number;
  readonly adminServerUnixSocket: string | null;
  readonly adminServerUnixSocketMode: number;
  readonly urlUseLegacyTargetNames: boolean;
  /** Ours: db-read-uris, streaming replicas (libpq URIs) that serve reads; empty = all on db-uri. */
  readonly dbReadUris: readonly string[];
  /** Ours: db-read-max-lag, seconds of replay lag after which a replica gets no reads. */
  readonly dbReadMaxLag: number;
  /** Ours: server-workers, uWS apps in worker threads on one port; 'auto' = one per available CPU. */
  readonly serverWorkers: number | 'auto';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const TX_END_VALUES: readonly TxEnd[] = ['commit', 'commit-allow-override', 'rollback', 'rollback-allow-override'];
const LOG_LEVELS: readonly LogLevel[] = ['crit', 'error', 'warn', 'info', 'debug'];

/** Legacy option names and the canonical names they stand for. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['db-schema', 'db-schemas'],
  ['db-pool-timeout', 'db-pool-max-idletime'],
  ['max-rows', 'db-max-rows'],
  ['pre-request', 'db-pre-request'],
  ['role-claim-key', 'jwt-role-claim-key'],
  ['root-spec', 'db-root-spec'],
  ['secret-is-base64', 'jwt-secret-is-base64'],
]);

/** Options PostgREST dropped; they are ignored with a warning naming the replacement. */
const REMOVED: ReadonlyMap<string, string> = new Map([
  ['raw-media-types', 'it was removed in PostgREST v12; use media type handlers'],
  ['db-use-legacy-gucs', 'it was removed in PostgREST v12'],
  ['jwt-cache-max-lifetime', 'it was removed in PostgREST v14; use jwt-cache-max-entries'],
  ['admin-server-config-enabled', 'it was removed in PostgREST v13 (the /config endpoint leaked secrets)'],
]);

/**
 * Options that may come from the database as `pgrst.<name with _ for ->`: the reference's
 * in-db column. The rest (connections, listeners, the channel, db-config itself) cannot.
 */
export const IN_DB_OPTIONS: readonly string[] = [
  'client-error-verbosity', 'db-aggregates-enabled', 'db-anon-role', 'db-extra-search-path', 'db-hoisted-tx-settings',
  'db-max-rows', 'db-plan-enabled', 'db-pre-config', 'db-pre-request', 'db-prepared-statements', 'db-root-spec',
  'db-schemas', 'db-tx-end', 'jwt-aud', 'jwt-cache-max-entries', 'jwt-role-claim-key', 'jwt-secret',
  'jwt-secret-is-base64', 'openapi-mode', 'openapi-security-active', 'openapi-server-proxy-uri',
  'server-cors-allowed-origins', 'server-timing-enabled', 'server-trace-header', 'url-use-legacy-target-names',
];

/** `db-schemas` → `pgrst.db_schemas`. */
export function inDbName(option: string): string {
  return 'pgrst.' + option.replace(/-/g, '_');
}

const APP_SETTINGS_PREFIX = 'app.settings.';
const ENV_PREFIX = 'PGRST_';
const ENV_APP_SETTINGS_PREFIX = 'PGRST_APP_SETTINGS_';

const KEY_RE = /^[A-Za-z][A-Za-z0-9_.-]*/;
const BARE_NUMBER_RE = /^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const BARE_BOOL_RE = /^(?:true|false|on|off)(?![A-Za-z0-9_.-])/;
const INTEGER_RE = /^[+-]?\d+$/;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolves configurator interpolation in a quoted value: `$(NAME)` is a key defined earlier in
 * the file (looked up in the key's own group first, as configurator does: for `app.settings.x`
 * that is `app.settings.NAME`, then `app.NAME`, then `NAME`) or else the environment variable
 * NAME; `$$` is a literal `$`. A lone `$` is an error, which is why PostgREST documents `$$`.
 */
function interpolate(value: string, key: string, defined: ReadonlyMap<string, string>, env: Env, fail: (why: string) => ConfigError): string {
  if (!value.includes('$')) return value;
  const groups = key.split('.').slice(0, -1);
  let out = '';
  let pos = 0;
  while (pos < value.length) {
    const dollar = value.indexOf('$', pos);
    if (dollar < 0) {
      out += value.slice(pos);
      break;
    }
    out += value.slice(pos, dollar);
    const next = value[dollar + 1];
    if (next === '$') {
      out += '$';
      pos = dollar + 2;
      continue;
    }
    if (next !== '(') {
      throw fail(`a literal "$" in the value of key "${key}" must be written as "$$" ("$(NAME)" interpolates NAME)`);
    }
    const close = value.indexOf(')', dollar + 2);
    const name = close < 0 ? '' : value.slice(dollar + 2, close);
    if (close < 0 || name === '') throw fail(`unterminated or empty "$(…)" in the value of key "${key}"`);
    let found: string | undefined;
    for (let n = groups.length; n >= 0 && found === undefined; n--) found = defined.get([...groups.slice(0, n), name].join('.'));
    found ??= env[name];
    if (found === undefined) throw fail(`"$(${name})" in the value of key "${key}": no such config key or environment variable`);
    out += found;
    pos = close + 1;
  }
  return out;
}

/**
 * Parses PostgREST config-file text into key → raw string value (quotes removed, escapes
 * and `$(VAR)` interpolation resolved against earlier keys and `env`). Later duplicates win.
 * Throws ConfigError naming the 1-based line number.
 */
export function parseConfigFile(text: string, env: Env = {}): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i] ?? '';
    const fail = (why: string): ConfigError => new ConfigError(`config file line ${lineNo}: ${why}`);

    let rest = line.trimStart();
    if (rest === '' || rest.startsWith('#')) continue;

    const keyMatch = KEY_RE.exec(rest);
    if (keyMatch === null) throw fail('expected a key (letters, digits, "_", ".", "-")');
    const key = keyMatch[0];
    rest = rest.slice(key.length).trimStart();
    if (!rest.startsWith('=')) throw fail(`expected "=" after key "${key}"`);
    rest = rest.slice(1).trimStart();

    let value: string;
    if (rest.startsWith('"')) {
      let pos = 1;
      let buf = '';
      let closed = false;
      while (pos < rest.length) {
        const ch = rest.charAt(pos);
        if (ch === '"') {
          closed = true;
          pos++;
          break;
        }
        if (ch === '\\') {
          const next = rest[pos + 1];
          // configurator's escapes are JSON's: \" \\ \/ \b \f \n \r \t \uXXXX.
          switch (next) {
            case '"': buf += '"'; break;
            case '\\': buf += '\\'; break;
            case '/': buf += '/'; break;
            case 'b': buf += '\b'; break;
            case 'f': buf += '\f'; break;
            case 'n': buf += '\n'; break;
            case 't': buf += '\t'; break;
            case 'r': buf += '\r'; break;
            case 'u': {
              const hex = rest.slice(pos + 2, pos + 6);
              if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw fail(`"\\u" needs four hex digits in value of key "${key}"`);
              buf += String.fromCharCode(parseInt(hex, 16));
              pos += 4;
              break;
            }
            case undefined: throw fail(`unterminated string for key "${key}"`);
            default: throw fail(`unknown escape "\\${next}" in value of key "${key}"`);
          }
          pos += 2;
          continue;
        }
        buf += ch;
        pos++;
      }
      if (!closed) throw fail(`unterminated string for key "${key}"`);
      value = interpolate(buf, key, out, env, fail);
      rest = rest.slice(pos);
    } else {
      const m = BARE_NUMBER_RE.exec(rest) ?? BARE_BOOL_RE.exec(rest);
      if (m === null) {
        throw fail(`value of key "${key}" must be a double-quoted string, a number, or true/false`);
      }
      value = m[0];
      rest = rest.slice(value.length);
    }

    rest = rest.trimStart();
    if (rest !== '' && !rest.startsWith('#')) throw fail(`unexpected text after value of key "${key}"`);
    out.set(key, value);
  }
  return out;
}

/** Maps a PGRST_* environment variable name to its config key, or null if it is not one. */
function envNameToKey(name: string): string | null {
  if (name.startsWith(ENV_APP_SETTINGS_PREFIX)) {
    const suffix = name.slice(ENV_APP_SETTINGS_PREFIX.length);
    return suffix === '' ? null : APP_SETTINGS_PREFIX + suffix.toLowerCase();
  }
  if (!name.startsWith(ENV_PREFIX)) return null;
  const suffix = name.slice(ENV_PREFIX.length);
  return suffix === '' ? null : suffix.toLowerCase().replace(/_/g, '-');
}

/**
 * Resolves aliases within one source: the canonical name wins over its alias when a
 * source sets both, so e.g. `db-schemas` beats `db-schema` from the same file.
 */
function canonicalize(source: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of source) {
    const canonical = ALIASES.get(key);
    if (canonical === undefined) out.set(key, value);
  }
  for (const [key, value] of source) {
    const canonical = ALIASES.get(key);
    if (canonical !== undefined && !out.has(canonical)) out.set(canonical, value);
  }
  return out;
}

function readConfigFile(file: string, env: Env): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`cannot read config file ${file}: ${why}`, { cause: err });
  }
  try {
    return parseConfigFile(text, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Options whose value may be `@path`: the file's content, without its trailing newline. */
const FILE_VALUED = ['db-uri', 'jwt-secret', 'db-read-uris'] as const;

function readValueFile(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`cannot read the ${key} file ${path}: ${why}`, { cause: err });
  }
}

/**
 * Builds the effective configuration: defaults < config file < PGRST_* environment <
 * in-database settings (only the options in IN_DB_OPTIONS). An empty string counts as unset (so the default applies), except for
 * db-extra-search-path, where "" means "no extra schemas".
 */
export function loadConfig(opts: {
  file?: string | null;
  env: Env;
  /** In-database settings by option name (`db-schemas`), see db-config.ts; they win over env. */
  db?: ReadonlyMap<string, string>;
  /** Non-fatal findings (removed options); stderr in main.ts. */
  warn?: (message: string) => void;
}): AppConfig {
  const fromFile = opts.file != null ? readConfigFile(opts.file, opts.env) : new Map<string, string>();

  const envRaw = new Map<string, string>();
  for (const [name, value] of Object.entries(opts.env)) {
    if (value === undefined) continue;
    const key = envNameToKey(name);
    if (key !== null) envRaw.set(key, value);
  }
  for (const key of [...fromFile.keys(), ...envRaw.keys()]) {
    const why = REMOVED.get(key);
    if (why !== undefined) opts.warn?.(`The config option "${key}" is ignored: ${why}.`);
  }

  const merged = canonicalize(fromFile);
  for (const [key, value] of canonicalize(envRaw)) merged.set(key, value);
  for (const [key, value] of opts.db ?? []) if (IN_DB_OPTIONS.includes(key)) merged.set(key, value);
  for (const key of FILE_VALUED) {
    const v = merged.get(key);
    if (v !== undefined && v.startsWith('@')) merged.set(key, readValueFile(key, v.slice(1)));
  }

  /** The raw value, or undefined when absent or set to "". */
  const raw = (key: string): string | undefined => {
    const v = merged.get(key);
    return v === undefined || v === '' ? undefined : v;
  };

  const str = (key: string, def: string): string => raw(key) ?? def;
  const optStr = (key: string): string | null => raw(key) ?? null;

  const optInt = (key: string, min: number, max: number): number | null => {
    const v = raw(key);
    if (v === undefined) return null;
    const t = v.trim();
    const n = Number(t);
    if (!INTEGER_RE.test(t) || !Number.isSafeInteger(n)) {
      throw new ConfigError(`${key} must be an integer, got ${JSON.stringify(v)}`);
    }
    if (n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
      throw new ConfigError(`${key} must be ${range}, got ${n}`);
    }
    return n;
  };
  const int = (key: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number =>
    optInt(key, min, max) ?? def;

  const bool = (key: string, def: boolean): boolean => {
    const v = raw(key);
    if (v === undefined) return def;
    switch (v.trim().toLowerCase()) {
      case 'true': case 'on': case 'yes': case '1': return true;
      case 'false': case 'off': case 'no': case '0': return false;
      default:
        throw new ConfigError(`${key} must be a boolean (true/false, on/off, yes/no, 1/0), got ${JSON.stringify(v)}`);
    }
  };

  const oneOf = <T extends string>(key: string, allowed: readonly T[], def: T): T => {
    const v = raw(key);
    if (v === undefined) return def;
    const found = allowed.find((a) => a === v);
    if (found === undefined) {
      throw new ConfigError(`${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return found;
  };

  const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter((s) => s !== '');

  const schemasRaw = raw('db-schemas');
  const dbSchemas = schemasRaw === undefined ? ['public'] : list(schemasRaw);
  if (dbSchemas.length === 0) {
    throw new ConfigError(`db-schemas must list at least one schema, got ${JSON.stringify(schemasRaw)}`);
  }
  const systemSchema = dbSchemas.find((s) => s === 'pg_catalog' || s === 'information_schema');
  if (systemSchema !== undefined) throw new ConfigError(`db-schemas cannot expose the system schema ${systemSchema}`);

  /** A socket mode in octal digits (`660`, `0660`), allowed from 600 to 777 as PostgREST. */
  const socketMode = (key: string): number => {
    const v = raw(key);
    if (v === undefined) return 0o660;
    const t = v.trim();
    const n = /^0?[0-7]{3}$/.test(t) ? parseInt(t, 8) : NaN;
    if (Number.isNaN(n) || n < 0o600 || n > 0o777) {
      throw new ConfigError(`${key} must be an octal mode between 600 and 777, got ${JSON.stringify(v)}`);
    }
    return n;
  };

  // Boolean since PostgREST v14; v13's "main-query" and "disabled" are still understood.
  const logQueryRaw = raw('log-query')?.trim().toLowerCase();
  const logQuery = logQueryRaw === 'main-query' ? true : logQueryRaw === 'disabled' ? false : bool('log-query', false);

  const proxyUri = optStr('openapi-server-proxy-uri');
  if (proxyUri !== null && !isHttpUri(proxyUri)) {
    throw new ConfigError(`openapi-server-proxy-uri: Malformed proxy uri, a correct example: https://example.com:8443/basePath (got ${JSON.stringify(proxyUri)})`);
  }

  const extraRaw = merged.get('db-extra-search-path');
  const dbExtraSearchPath = extraRaw === undefined ? ['public'] : list(extraRaw);

  const appSettings: Record<string, string> = {};
  for (const [key, value] of merged) {
    if (key.startsWith(APP_SETTINGS_PREFIX) && key.length > APP_SETTINGS_PREFIX.length) {
      appSettings[key.slice(APP_SETTINGS_PREFIX.length)] = value;
    }
  }

  const config: AppConfig = {
    dbUri: str('db-uri', 'postgresql://'),
    dbSchemas: Object.freeze(dbSchemas),
    dbAnonRole: optStr('db-anon-role'),
    dbPool: int('db-pool', 10, 1),
    dbPoolAcquisitionTimeout: int('db-pool-acquisition-timeout', 10, 0),
    dbPoolMaxIdletime: int('db-pool-max-idletime', 30, 0),
    dbPoolMaxLifetime: int('db-pool-max-lifetime', 1800, 0),
    dbPoolPipelineDepth: int('db-pool-pipeline-depth', 64, 1, 100000),
    dbMaxRows: optInt('db-max-rows', 0, Number.MAX_SAFE_INTEGER),
    dbExtraSearchPath: Object.freeze(dbExtraSearchPath),
    dbPreparedStatements: bool('db-prepared-statements', true),
    dbTxEnd: oneOf('db-tx-end', TX_END_VALUES, 'commit'),
    dbPreRequest: optStr('db-pre-request'),
    dbHoistedTxSettings: Object.freeze(list(str('db-hoisted-tx-settings', 'statement_timeout,plan_filter.statement_cost_limit,default_transaction_isolation'))),
    dbPlanEnabled: bool('db-plan-enabled', false),
    serverHost: str('server-host', '!4'),
    serverPort: int('server-port', 3000, 0, 65535),
    jwtSecret: optStr('jwt-secret'),
    jwtSecretIsBase64: bool('jwt-secret-is-base64', false),
    jwtAud: optStr('jwt-aud'),
    jwtRoleClaimKey: str('jwt-role-claim-key', '$.role'),
    jwtCacheMaxEntries: int('jwt-cache-max-entries', 1000, 0),
    jwtJwksUri: optStr('jwt-jwks-uri'),
    jwtCookieName: optStr('jwt-cookie-name'),
    logLevel: oneOf('log-level', LOG_LEVELS, 'error'),
    appSettings: Object.freeze(appSettings),
    adminServerPort: optInt('admin-server-port', 0, 65535),
    adminServerHost: str('admin-server-host', str('server-host', '!4')),
    openapiMode: oneOf('openapi-mode', ['follow-privileges', 'ignore-privileges', 'disabled'] as const, 'follow-privileges'),
    openapiServerProxyUri: proxyUri,
    openapiSecurityActive: bool('openapi-security-active', false),
    openapiVersion: oneOf('openapi-version', ['2.0', '3.1'] as const, '2.0'),
    openapiUiPath: uiPath(optStr('openapi-ui-path')),
    dbRootSpec: optStr('db-root-spec'),
    dbChannel: str('db-channel', 'pgrst'),
    dbChannelEnabled: bool('db-channel-enabled', true),
    schemaCacheSnapshot: optStr('schema-cache-snapshot'),
    serverCorsAllowedOrigins: raw('server-cors-allowed-origins') === undefined ? null : Object.freeze(list(raw('server-cors-allowed-origins') ?? '')),
    dbConfig: bool('db-config', true),
    dbPreConfig: optStr('db-pre-config'),
    dbAggregatesEnabled: bool('db-aggregates-enabled', false),
    dbPoolAutomaticRecovery: bool('db-pool-automatic-recovery', true),
    clientErrorVerbosity: oneOf('client-error-verbosity', ['verbose', 'minimal'] as const, 'verbose'),
    logQuery,
    serverReuseport: bool('server-reuseport', false),
    serverTraceHeader: optStr('server-trace-header')?.trim().toLowerCase() ?? null,
    serverTimingEnabled: bool('server-timing-enabled', false),
    serverWriteTimeout: int('server-write-timeout', 60, 1),
    serverDrainTimeout: int('server-drain-timeout', 5, 0),
    serverUnixSocket: optStr('server-unix-socket'),
    serverUnixSocketMode: socketMode('server-unix-socket-mode'),
    adminServerUnixSocket: optStr('admin-server-unix-socket'),
    adminServerUnixSocketMode: socketMode('admin-server-unix-socket-mode'),
    urlUseLegacyTargetNames: bool('url-use-legacy-target-names', true),
    dbReadUris: Object.freeze(list(str('db-read-uris', ''))),
    dbReadMaxLag: int('db-read-max-lag', 10, 0),
    serverWorkers: (raw('server-workers') ?? 'auto').trim().toLowerCase() === 'auto' ? 'auto' : int('server-workers', 1, 1, 1024),
  };
  // As PostgREST: an http(s) URI with a host, or the OpenAPI output could not use it.
  if (config.openapiServerProxyUri !== null && !/^https?:\/\/[^/?#:]+(:\d+)?([/?#]|$)/i.test(config.openapiServerProxyUri)) {
    throw new ConfigError(`openapi-server-proxy-uri must be an http or https URI, got ${JSON.stringify(config.openapiServerProxyUri)}`);
  }
  // URIs only: a key=value connection string has spaces and cannot sit in a comma-separated list unambiguously.
  const notUri = config.dbReadUris.find((u) => !/^postgres(ql)?:\/\//.test(u));
  if (notUri !== undefined) throw new ConfigError(`db-read-uris must list postgresql:// URIs, got ${JSON.stringify(notUri)}`);
  if (config.adminServerPort !== null && config.adminServerPort !== 0 && config.adminServerPort === config.serverPort) {
    throw new ConfigError('admin-server-port cannot be the same as server-port');
  }
  return Object.freeze(config);
}

/**
 * openapi-ui-path: an absolute path without a trailing slash, of plain URL characters, that
 * cannot hide the root or the /rpc/ functions. A table of that name is checked at start (app.ts).
 */
function uiPath(value: string | null): string | null {
  if (value === null) return null;
  const path = value.trim().replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(path) || path.split('/')[1] === 'rpc') {
    throw new ConfigError(`openapi-ui-path must be a path such as "/docs" (not "/" nor under /rpc), got ${JSON.stringify(value)}`);
  }
  return path;
}

/** An absolute http(s) URI with a host: what PostgREST accepts as openapi-server-proxy-uri. */
function isHttpUri(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
