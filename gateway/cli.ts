// Command-line interface: `pgrest-gateway [-h] [-v] [-e] [--dump-config | --dump-schema |
// --ready] [FILENAME]`, as PostgREST's CLI. Pure argument parsing and config dumping here;
// main.ts runs the chosen command.

import type { AppConfig } from './config.js';

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'example' }
  | { readonly kind: 'dump-config'; readonly file: string | null }
  | { readonly kind: 'dump-schema'; readonly file: string | null }
  | { readonly kind: 'dump-types'; readonly file: string | null }
  | { readonly kind: 'ready'; readonly file: string | null }
  | { readonly kind: 'serve'; readonly file: string | null }
  | { readonly kind: 'error'; readonly message: string };

export const USAGE = `Usage: pgrest-gateway [-v|--version] [-e|--example] [--dump-config | --dump-schema | --dump-types | --ready] [FILENAME]

  PostgREST-compatible REST API for a PostgreSQL database

Available options:
  -h,--help                Show this help text
  -v,--version             Print the version
  -e,--example             Print an annotated example configuration file
  --dump-config            Print the effective configuration and exit
  --dump-schema            Print the schema cache as JSON and exit
  --dump-types             Print the TypeScript Database type for @supabase/postgrest-js and exit
  --ready                  Check the admin server's /ready endpoint (exit 0 or 1)
  FILENAME                 Path to the configuration file (PGRST_* environment variables also apply)
`;

export function parseArgs(argv: readonly string[]): Command {
  let file: string | null = null;
  let mode: 'serve' | 'dump-config' | 'dump-schema' | 'dump-types' | 'ready' = 'serve';
  for (const arg of argv) {
    switch (arg) {
      case '-h':
      case '--help':
        return { kind: 'help' };
      case '-v':
      case '--version':
        return { kind: 'version' };
      case '-e':
      case '--example':
        return { kind: 'example' };
      case '--dump-config':
      case '--dump-schema':
      case '--dump-types':
      case '--ready': {
        const next = arg.slice(2) as 'dump-config' | 'dump-schema' | 'dump-types' | 'ready';
        if (mode !== 'serve' && mode !== next) return { kind: 'error', message: `${arg} cannot be combined with --${mode}` };
        mode = next;
        break;
      }
      default:
        if (arg.startsWith('-')) return { kind: 'error', message: `Invalid option \`${arg}'` };
        if (file !== null) return { kind: 'error', message: `Invalid argument \`${arg}'` };
        file = arg;
    }
  }
  return { kind: mode, file };
}

// `$` is doubled: the file syntax reads `$(NAME)` as interpolation and `$$` as a literal `$`.
// Control characters are escaped, since a value must stay on its line.
const quote = (s: string): string =>
  '"' +
  s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\$/g, '$$$$')
    .replace(/[\u0000-\u001f\u007f]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) +
  '"';
const octal = (mode: number): string => mode.toString(8);

/** The effective configuration in config-file syntax; reading it back gives the same config. */
/**
 * The URL `--ready` asks (the admin server's /ready over TCP), or null when it cannot know one:
 * no admin-server-port, or a special host ("*", "!4" …) that names no single address, as PostgREST.
 */
export function readyUrl(c: AppConfig): string | null {
  const host = c.adminServerHost;
  if (c.adminServerPort === null || ['*', '*4', '!4', '*6', '!6'].includes(host)) return null;
  return `http://${host.includes(':') ? `[${host}]` : host}:${c.adminServerPort}/ready`;
}

export function dumpConfig(c: AppConfig): string {
  const lines: string[] = [];
  const put = (key: string, value: string | number | boolean | null): void => {
    if (value === null) lines.push(`${key} = ""`);
    else if (typeof value === 'string') lines.push(`${key} = ${quote(value)}`);
    else lines.push(`${key} = ${String(value)}`);
  };
  const entries: [string, string | number | boolean | null][] = [
    ['admin-server-host', c.adminServerHost],
    ['admin-server-port', c.adminServerPort],
    ['admin-server-unix-socket', c.adminServerUnixSocket],
    ['admin-server-unix-socket-mode', octal(c.adminServerUnixSocketMode)],
    ['client-error-verbosity', c.clientErrorVerbosity],
    ['db-aggregates-enabled', c.dbAggregatesEnabled],
    ['db-anon-role', c.dbAnonRole],
    ['db-channel', c.dbChannel],
    ['db-channel-enabled', c.dbChannelEnabled],
    ['db-config', c.dbConfig],
    ['db-extra-search-path', c.dbExtraSearchPath.join(',')],
    ['db-hoisted-tx-settings', c.dbHoistedTxSettings.join(',')],
    ['db-max-rows', c.dbMaxRows],
    ['db-plan-enabled', c.dbPlanEnabled],
    ['db-pool', c.dbPool],
    ['db-pool-acquisition-timeout', c.dbPoolAcquisitionTimeout],
    ['db-pool-automatic-recovery', c.dbPoolAutomaticRecovery],
    ['db-pool-max-idletime', c.dbPoolMaxIdletime],
    ['db-pool-max-lifetime', c.dbPoolMaxLifetime],
    ['db-pool-pipeline-depth', c.dbPoolPipelineDepth],
    ['db-pre-config', c.dbPreConfig],
    ['db-pre-request', c.dbPreRequest],
    ['db-prepared-statements', c.dbPreparedStatements],
    ['db-read-max-lag', c.dbReadMaxLag],
    ['db-read-uris', c.dbReadUris.join(',')],
    ['db-root-spec', c.dbRootSpec],
    ['db-schemas', c.dbSchemas.join(',')],
    ['db-tx-end', c.dbTxEnd],
    ['db-uri', c.dbUri],
    ['jwt-aud', c.jwtAud],
    ['jwt-cache-max-entries', c.jwtCacheMaxEntries],
    ['jwt-cookie-name', c.jwtCookieName],
    ['jwt-jwks-uri', c.jwtJwksUri],
    ['jwt-role-claim-key', c.jwtRoleClaimKey],
    ['jwt-secret', c.jwtSecret],
    ['jwt-secret-is-base64', c.jwtSecretIsBase64],
    ['log-level', c.logLevel],
    ['log-query', c.logQuery],
    ['openapi-mode', c.openapiMode],
    ['openapi-security-active', c.openapiSecurityActive],
    ['openapi-server-proxy-uri', c.openapiServerProxyUri],
    ['openapi-ui-path', c.openapiUiPath],
    ['openapi-version', c.openapiVersion],
    ['schema-cache-snapshot', c.schemaCacheSnapshot],
    ['server-cors-allowed-origins', c.serverCorsAllowedOrigins === null ? null : c.serverCorsAllowedOrigins.join(',')],
    ['server-drain-timeout', c.serverDrainTimeout],
    ['server-host', c.serverHost],
    ['server-port', c.serverPort],
    ['server-reuseport', c.serverReuseport],
    ['server-timing-enabled', c.serverTimingEnabled],
    ['server-trace-header', c.serverTraceHeader],
    ['server-unix-socket', c.serverUnixSocket],
    ['server-workers', c.serverWorkers],
    ['server-unix-socket-mode', octal(c.serverUnixSocketMode)],
    ['server-write-timeout', c.serverWriteTimeout],
    ['url-use-legacy-target-names', c.urlUseLegacyTargetNames],
  ];
  for (const [key, value] of entries) put(key, value);
  for (const [k, v] of Object.entries(c.appSettings).sort(([a], [b]) => a.localeCompare(b))) put(`app.settings.${k}`, v);
  return lines.join('\n') + '\n';
}

export const EXAMPLE_CONFIG = `## Values are "quoted strings", numbers or true/false; # starts a comment.
## "$(NAME)" inserts an earlier key or the environment variable NAME; write a literal $ as $$.
## Every option can also be set as PGRST_<NAME> (dashes as underscores), which wins over
## this file; db-config = true lets the database override both (see below).

## The database, as a libpq URI or key=value string ("@/path" reads it from a file). The
## role should be a NOINHERIT authenticator that can switch to the API roles below.
db-uri = "postgresql://authenticator:pw@localhost:5432/app"

## The schemas exposed as the API (comma-separated; the first is the default).
db-schemas = "api"

## The role for requests without a JWT; leave empty to refuse anonymous access.
db-anon-role = "web_anon"

## Connections per process. Requests are pipelined, so a few go a long way.
db-pool = 10

## Seconds a request waits for a connection before 504 PGRST003.
# db-pool-acquisition-timeout = 10

## Seconds before an idle connection is closed, and before one is recycled (while idle).
# db-pool-max-idletime = 30
# db-pool-max-lifetime = 1800

## false: exit on connection loss instead of reconnecting.
# db-pool-automatic-recovery = true

## Beyond PostgREST: request batches in flight per connection before the pool looks elsewhere.
# db-pool-pipeline-depth = 64

## Cap on rows returned by any read.
# db-max-rows = 1000

## Allow Accept: application/vnd.pgrst.plan (EXPLAIN output of the generated query).
# db-plan-enabled = false

## Extra schemas on the search_path (for extensions and computed columns).
# db-extra-search-path = "public"

## Prepared statements (turn off behind pgbouncer in transaction mode).
# db-prepared-statements = true

## Beyond PostgREST: streaming replicas for reads (comma-separated libpq URIs). GET/HEAD on
## tables and views and calls of stable/immutable functions go to the least-loaded healthy
## one; a replica that fails or lags more than db-read-max-lag seconds is left out until a
## probe finds it healthy. "Prefer: read=primary" keeps a request on db-uri.
# db-read-uris = "postgresql://authenticator:pw@replica-1:5432/app,postgresql://authenticator:pw@replica-2:5432/app"
# db-read-max-lag = 10

## commit, commit-allow-override, rollback or rollback-allow-override.
# db-tx-end = "commit"

## A function called before each request's main statement.
# db-pre-request = "api.check_request"

## Function SET clauses applied to the whole call transaction.
# db-hoisted-tx-settings = "statement_timeout,plan_filter.statement_cost_limit,default_transaction_isolation"

## Aggregates in select (count(), sum(), …) and the execution-plan media type.
# db-aggregates-enabled = false
# db-plan-enabled = false

## A function whose result replaces the OpenAPI document at /.
# db-root-spec = "api.root"

## In-database config: the authenticator's role settings (ALTER ROLE authenticator SET
## pgrst.db_schemas = 'api') and the db-pre-config function's set_config('pgrst.…', …, true)
## override this file and the environment; re-read on reload.
# db-config = true
# db-pre-config = "postgrest.pre_config"

## Reloads through NOTIFY pgrst, 'reload schema' / 'reload config'.
# db-channel = "pgrst"
# db-channel-enabled = true

## Where the API listens. Special hosts: "*" any, "*4"/"!4" IPv4, "*6"/"!6" IPv6.
server-host = "!4"
server-port = 3000

## Serve on a unix socket instead of host:port, with this octal mode (600 to 777).
# server-unix-socket = "/tmp/pgrst.sock"
# server-unix-socket-mode = "660"

## Let a replacement process bind the same port (zero-downtime deploys).
# server-reuseport = false

## Beyond PostgREST: uWS apps in worker threads on the one port, the db-pool split between
## them; "auto" = one per CPU the process may use, 1 = a single thread.
# server-workers = "auto"
## Seconds a response waits on a client that reads nothing before the connection is closed, and
## seconds open connections are still answered (each then closed) after SIGTERM/SIGINT.
# server-write-timeout = 60
# server-drain-timeout = 5

## Allowed CORS origins (comma-separated); any origin when unset.
# server-cors-allowed-origins = "https://example.com"

## A request header echoed back in the response, and the Server-Timing header.
# server-trace-header = "X-Request-Id"
# server-timing-enabled = false

## The admin server (/live, /ready, /metrics, /schema_cache); off when unset.
# admin-server-port = 3001
# admin-server-host = "!4"
# admin-server-unix-socket = "/tmp/pgrst-admin.sock"
# admin-server-unix-socket-mode = "660"

## JWT verification: an HMAC secret of at least 32 characters, or a JWK/JWKS ("@/path" reads a file).
# jwt-secret = "reallyreallyreallyreallyverysafe"
# jwt-secret-is-base64 = false
# jwt-aud = "your-audience"
# jwt-role-claim-key = "$$.role"
# jwt-cache-max-entries = 1000

## A schema-cache snapshot (msgpack), rewritten after every schema-cache load: a new
## process serves from it at once, then checks it against the live catalog with one cheap
## query and reloads when the catalog has changed. Unset = no snapshot.
# schema-cache-snapshot = "/var/cache/pgrest-gateway/schema.msgpack"
## The OpenAPI description at "/": follow-privileges (what the request role may use),
## ignore-privileges (everything) or disabled (404).
# openapi-mode = "follow-privileges"
# openapi-server-proxy-uri = "https://api.example.com/v1"
## Describe the JWT bearer scheme (securityDefinitions / security).
# openapi-security-active = false
## Swagger "2.0" as PostgREST, or "3.1"; clients can ask for either with
## Accept: application/openapi+json;version=3.1 (or 2.0).
# openapi-version = "2.0"
## Beyond PostgREST: an API explorer page (Swagger UI, shipped with the gateway) at this path.
# openapi-ui-path = "/docs"
## Serve this function's result at "/" instead of the generated description.
# db-root-spec = "root"

## Beyond PostgREST: keys from a JWKS URL, and the token from a cookie.
# jwt-jwks-uri = "https://issuer.example.com/.well-known/jwks.json"
# jwt-cookie-name = "session"


## verbose (code, message, details, hint) or minimal (code, message) error bodies.
# client-error-verbosity = "verbose"

## Let filters refer to an aliased embed by its table name.
# url-use-legacy-target-names = true

## crit, error, warn, info or debug; log-query adds each logged request's SQL.
# log-level = "error"
# log-query = false

## Settings visible to SQL as current_setting('app.settings.NAME').
# app.settings.environment = "production"
`;
