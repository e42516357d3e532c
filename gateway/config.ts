// Configuration loading: builds the typed, frozen AppConfig from a PostgREST config file
// (configurator syntax: `key = value`, `#` comments) plus PGRST_* environment variables.
// Owns the defaults, the legacy option aliases, the env-name mapping and value validation.
// Environment overrides the file; unknown keys are ignored, as PostgREST does.

import { readFileSync } from 'node:fs';

export type TxEnd = 'commit' | 'commit-allow-override' | 'rollback' | 'rollback-allow-override';
export type LogLevel = 'crit' | 'error' | 'warn' | 'info' | 'debug';

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
  /** db-root-spec: a function whose result is served at `/` instead of the generated description. */
  readonly dbRootSpec: string | null;
  /** db-channel: the NOTIFY channel for reloads. */
  readonly dbChannel: string;
  readonly dbChannelEnabled: boolean;
  /** Beyond PostgREST: a msgpack file the schema cache is restored from at start and saved to after each load. */
  readonly schemaCacheSnapshot: string | null;
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

const APP_SETTINGS_PREFIX = 'app.settings.';
const ENV_PREFIX = 'PGRST_';
const ENV_APP_SETTINGS_PREFIX = 'PGRST_APP_SETTINGS_';

const KEY_RE = /^[A-Za-z][A-Za-z0-9_.-]*/;
const BARE_NUMBER_RE = /^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const BARE_BOOL_RE = /^(?:true|false|on|off)(?![A-Za-z0-9_.-])/;
const INTEGER_RE = /^[+-]?\d+$/;

/**
 * Parses PostgREST config-file text into key → raw string value (quotes removed, escapes
 * resolved). Later duplicates win. Throws ConfigError naming the 1-based line number.
 */
export function parseConfigFile(text: string): Map<string, string> {
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
          switch (next) {
            case '"': buf += '"'; break;
            case '\\': buf += '\\'; break;
            case 'n': buf += '\n'; break;
            case 't': buf += '\t'; break;
            case 'r': buf += '\r'; break;
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
      value = buf;
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

function readConfigFile(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`cannot read config file ${file}: ${why}`, { cause: err });
  }
  try {
    return parseConfigFile(text);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * Builds the effective configuration: defaults < config file < PGRST_* environment.
 * An empty string counts as unset (so the default applies), except for
 * db-extra-search-path, where "" means "no extra schemas".
 */
export function loadConfig(opts: {
  file?: string | null;
  env: Readonly<Record<string, string | undefined>>;
}): AppConfig {
  const fromFile = opts.file != null ? readConfigFile(opts.file) : new Map<string, string>();

  const envRaw = new Map<string, string>();
  for (const [name, value] of Object.entries(opts.env)) {
    if (value === undefined) continue;
    const key = envNameToKey(name);
    if (key !== null) envRaw.set(key, value);
  }

  const merged = canonicalize(fromFile);
  for (const [key, value] of canonicalize(envRaw)) merged.set(key, value);

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
    openapiServerProxyUri: optStr('openapi-server-proxy-uri'),
    openapiSecurityActive: bool('openapi-security-active', false),
    openapiVersion: oneOf('openapi-version', ['2.0', '3.1'] as const, '2.0'),
    dbRootSpec: optStr('db-root-spec'),
    dbChannel: str('db-channel', 'pgrst'),
    dbChannelEnabled: bool('db-channel-enabled', true),
    schemaCacheSnapshot: optStr('schema-cache-snapshot'),
    serverCorsAllowedOrigins: raw('server-cors-allowed-origins') === undefined ? null : Object.freeze(list(raw('server-cors-allowed-origins') ?? '')),
  };
  // As PostgREST: an http(s) URI with a host, or the OpenAPI output could not use it.
  if (config.openapiServerProxyUri !== null && !/^https?:\/\/[^/?#:]+(:\d+)?([/?#]|$)/i.test(config.openapiServerProxyUri)) {
    throw new ConfigError(`openapi-server-proxy-uri must be an http or https URI, got ${JSON.stringify(config.openapiServerProxyUri)}`);
  }
  if (config.adminServerPort !== null && config.adminServerPort !== 0 && config.adminServerPort === config.serverPort) {
    throw new ConfigError('admin-server-port cannot be the same as server-port');
  }
  return Object.freeze(config);
}
