// Unit tests for gateway/config.ts: file syntax, PGRST_* mapping, aliases, defaults, validation.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, loadConfig, parseConfigFile, type AppConfig } from '../../../gateway/config.js';

type Env = Record<string, string | undefined>;

/** Writes `text` to a fresh temp file, calls `fn(path)`, and removes the directory afterwards. */
function withTempFile<T>(text: string, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-test-'));
  try {
    const path = join(dir, 'postgrest.conf');
    writeFileSync(path, text);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The options added with in-database config, unix sockets, timing and tracing. */
const OPS_DEFAULTS = {
  dbConfig: true,
  dbPreConfig: null,
  dbAggregatesEnabled: false,
  dbPlanEnabled: false,
  dbPoolAutomaticRecovery: true,
  dbRootSpec: null,
  clientErrorVerbosity: 'verbose',
  logQuery: false,
  openapiSecurityActive: false,
  serverReuseport: false,
  serverTraceHeader: null,
  serverTimingEnabled: false,
  serverWriteTimeout: 60,
  serverDrainTimeout: 5,
  serverUnixSocket: null,
  serverUnixSocketMode: 0o660,
  adminServerUnixSocket: null,
  adminServerUnixSocketMode: 0o660,
  urlUseLegacyTargetNames: true,
} as const;

/** Read replicas (issue 19): none by default. */
const SCALE_DEFAULTS = { dbReadUris: [], dbReadMaxLag: 10, serverWorkers: 'auto' } as const;

const DEFAULTS: AppConfig = {
  ...OPS_DEFAULTS,
  ...SCALE_DEFAULTS,
  dbUri: 'postgresql://',
  dbSchemas: ['public'],
  dbAnonRole: null,
  dbPool: 10,
  dbPoolAcquisitionTimeout: 10,
  dbPoolMaxIdletime: 30,
  dbPoolMaxLifetime: 1800,
  dbPoolPipelineDepth: 64,
  dbMaxRows: null,
  dbExtraSearchPath: ['public'],
  dbPreparedStatements: true,
  dbTxEnd: 'commit',
  dbPreRequest: null,
  dbHoistedTxSettings: ['statement_timeout', 'plan_filter.statement_cost_limit', 'default_transaction_isolation'],
  dbPlanEnabled: false,
  serverHost: '!4',
  serverPort: 3000,
  jwtSecret: null,
  jwtSecretIsBase64: false,
  jwtAud: null,
  jwtRoleClaimKey: '$.role',
  jwtCacheMaxEntries: 1000,
  jwtJwksUri: null,
  jwtCookieName: null,
  logLevel: 'error',
  appSettings: {},
  adminServerPort: null,
  adminServerHost: '!4',
  serverCorsAllowedOrigins: null,
  dbChannel: 'pgrst',
  dbChannelEnabled: true,
  schemaCacheSnapshot: null,
  openapiMode: 'follow-privileges',
  openapiServerProxyUri: null,
  openapiSecurityActive: false,
  openapiVersion: '2.0',
  openapiUiPath: null,
  dbRootSpec: null,
};

describe('loadConfig defaults', () => {
  test('no file and no env gives every default', () => {
    assert.deepEqual(loadConfig({ env: {} }), DEFAULTS);
    assert.deepEqual(loadConfig({ file: null, env: {} }), DEFAULTS);
  });

  test('non-PGRST env vars and undefined values are ignored', () => {
    assert.deepEqual(loadConfig({ env: { PATH: '/bin', DB_URI: 'x', PGRST_DB_URI: undefined, PGRST_: 'x' } }), DEFAULTS);
  });

  const emptyCases: Array<[string, Env, Partial<AppConfig>]> = [
    ['empty string means unset for strings', { PGRST_DB_ANON_ROLE: '', PGRST_JWT_SECRET: '' }, {}],
    ['empty string means unset for numbers', { PGRST_DB_MAX_ROWS: '', PGRST_SERVER_PORT: '' }, {}],
    ['empty string means unset for db-schemas', { PGRST_DB_SCHEMAS: '' }, {}],
    ['empty db-extra-search-path means no extra schemas', { PGRST_DB_EXTRA_SEARCH_PATH: '' }, { dbExtraSearchPath: [] }],
  ];
  for (const [name, env, expected] of emptyCases) {
    test(name, () => {
      assert.deepEqual(loadConfig({ env }), { ...DEFAULTS, ...expected });
    });
  }
});

describe('parseConfigFile', () => {
  const cases: Array<[string, string, Array<[string, string]>]> = [
    ['blank and comment-only lines', '\n   \n# comment\n  # indented comment\n', []],
    ['quoted string', 'db-uri = "postgres://u@h/db"', [['db-uri', 'postgres://u@h/db']]],
    ['escaped quote and backslash', String.raw`jwt-secret = "a\"b\\c"`, [['jwt-secret', 'a"b\\c']]],
    ['other escapes', String.raw`x = "l1\nl2\tt\r"`, [['x', 'l1\nl2\tt\r']]],
    ['hash inside quotes is not a comment', 'x = "a#b" # trailing comment', [['x', 'a#b']]],
    ['trailing comment after number', 'db-pool = 20   # pool size', [['db-pool', '20']]],
    ['bare integer', 'server-port=8080', [['server-port', '8080']]],
    ['bare negative and decimal numbers', 'a = -3\nb = 1.5', [['a', '-3'], ['b', '1.5']]],
    ['bare booleans', 'a = true\nb = false', [['a', 'true'], ['b', 'false']]],
    ['keys with dots, dashes, underscores', 'app.settings.jwt_exp = 3600', [['app.settings.jwt_exp', '3600']]],
    ['empty quoted string', 'db-anon-role = ""', [['db-anon-role', '']]],
    ['later duplicate wins', 'a = 1\na = 2', [['a', '2']]],
    ['CRLF line endings and BOM', '\uFEFFa = 1\r\nb = "x"\r\n', [['a', '1'], ['b', 'x']]],
    ['leading whitespace', '   a   =   "v"   ', [['a', 'v']]],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => {
      assert.deepEqual([...parseConfigFile(text)], expected);
    });
  }

  const malformed: Array<[string, string, number]> = [
    ['missing equals', 'db-uri "x"', 1],
    ['missing value', '\n\na =', 3],
    ['bare word value', 'log-level = info', 1],
    ['unterminated string', 'a = 1\nb = "abc', 2],
    ['string ending in backslash', 'b = "abc\\', 1],
    ['unknown escape', 'b = "a\\qb"', 1],
    ['text after value', 'a = "x" y', 1],
    ['text glued to number', 'a = 5abc', 1],
    ['text glued to boolean', 'a = truex', 1],
    ['key starting with a digit', '1a = 2', 1],
    ['line with only an equals sign', '= 2', 1],
  ];
  for (const [name, text, line] of malformed) {
    test(`malformed: ${name} throws ConfigError naming line ${line}`, () => {
      assert.throws(
        () => parseConfigFile(text),
        (err: unknown) => err instanceof ConfigError && err.message.includes(`line ${line}`),
      );
    });
  }
});

const SAMPLE_FILE = String.raw`# PostgREST config
db-uri = "postgres://authenticator:p\"w\\d@localhost:5432/app"  # connection
db-schemas = " api , v2 "
db-anon-role = "web_anon"
db-pool = 25
db-pool-acquisition-timeout = 5
db-max-rows = 1000
db-extra-search-path = "public, extensions"
db-prepared-statements = false
db-tx-end = "rollback-allow-override"
db-pre-request = "auth.check"

server-host = "127.0.0.1"
server-port = 8080
jwt-secret = "reallyreallyreallyreallyverysafe"
jwt-secret-is-base64 = true
jwt-aud = "my-app"
jwt-role-claim-key = ".app.role"
log-level = "info"
app.settings.jwt_exp = 3600
app.settings.greeting = "hi # there"
some-unknown-option = "ignored"
`;

const SAMPLE_EXPECTED: AppConfig = {
  ...DEFAULTS,
  dbUri: 'postgres://authenticator:p"w\\d@localhost:5432/app',
  dbSchemas: ['api', 'v2'],
  dbAnonRole: 'web_anon',
  dbPool: 25,
  dbPoolAcquisitionTimeout: 5,
  dbPoolMaxIdletime: 30,
  dbPoolMaxLifetime: 1800,
  dbPoolPipelineDepth: 64,
  dbMaxRows: 1000,
  dbExtraSearchPath: ['public', 'extensions'],
  dbPreparedStatements: false,
  dbTxEnd: 'rollback-allow-override',
  dbPreRequest: 'auth.check',
  dbHoistedTxSettings: ['statement_timeout', 'plan_filter.statement_cost_limit', 'default_transaction_isolation'],
  dbPlanEnabled: false,
  serverHost: '127.0.0.1',
  serverPort: 8080,
  jwtSecret: 'reallyreallyreallyreallyverysafe',
  jwtSecretIsBase64: true,
  jwtAud: 'my-app',
  jwtRoleClaimKey: '.app.role',
  jwtCacheMaxEntries: 1000,
  logLevel: 'info',
  appSettings: { jwt_exp: '3600', greeting: 'hi # there' },
  adminServerHost: '127.0.0.1',
};

describe('loadConfig from a file', () => {
  test('a full file with comments, escapes, numbers and booleans', () => {
    withTempFile(SAMPLE_FILE, (path) => {
      assert.deepEqual(loadConfig({ file: path, env: {} }), SAMPLE_EXPECTED);
    });
  });

  test('missing file throws ConfigError with the path', () => {
    const path = join(tmpdir(), `definitely-missing-${process.pid}-${Date.now()}.conf`);
    assert.throws(
      () => loadConfig({ file: path, env: {} }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(path),
    );
  });

  test('malformed file throws ConfigError with the path and line number', () => {
    withTempFile('a = 1\nb = oops\n', (path) => {
      assert.throws(
        () => loadConfig({ file: path, env: {} }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(path) && err.message.includes('line 2'),
      );
    });
  });

  test('environment overrides the file, unset keys keep file values', () => {
    withTempFile(SAMPLE_FILE, (path) => {
      const cfg = loadConfig({
        file: path,
        env: {
          PGRST_DB_URI: 'postgres://other/db',
          PGRST_SERVER_PORT: '9090',
          PGRST_DB_PREPARED_STATEMENTS: 'TRUE',
          PGRST_APP_SETTINGS_JWT_EXP: '60',
          PGRST_DB_ANON_ROLE: '',
        },
      });
      assert.deepEqual(cfg, {
        ...SAMPLE_EXPECTED,
        dbUri: 'postgres://other/db',
        serverPort: 9090,
        dbPreparedStatements: true,
        dbAnonRole: null,
        appSettings: { jwt_exp: '60', greeting: 'hi # there' },
      });
    });
  });
});

describe('environment name mapping', () => {
  const cases: Array<[string, Env, Partial<AppConfig>]> = [
    ['PGRST_DB_URI', { PGRST_DB_URI: 'postgres://x' }, { dbUri: 'postgres://x' }],
    ['PGRST_DB_SCHEMAS', { PGRST_DB_SCHEMAS: 'a,b , c' }, { dbSchemas: ['a', 'b', 'c'] }],
    ['PGRST_DB_ANON_ROLE', { PGRST_DB_ANON_ROLE: 'anon' }, { dbAnonRole: 'anon' }],
    ['PGRST_DB_POOL', { PGRST_DB_POOL: '3' }, { dbPool: 3 }],
    ['PGRST_DB_POOL_ACQUISITION_TIMEOUT', { PGRST_DB_POOL_ACQUISITION_TIMEOUT: '0' }, { dbPoolAcquisitionTimeout: 0 }],
    ['PGRST_DB_POOL_MAX_IDLETIME', { PGRST_DB_POOL_MAX_IDLETIME: '5' }, { dbPoolMaxIdletime: 5 }],
    ['PGRST_DB_POOL_TIMEOUT (alias)', { PGRST_DB_POOL_TIMEOUT: '7' }, { dbPoolMaxIdletime: 7 }],
    ['PGRST_DB_POOL_MAX_LIFETIME', { PGRST_DB_POOL_MAX_LIFETIME: '60' }, { dbPoolMaxLifetime: 60 }],
    ['PGRST_DB_POOL_PIPELINE_DEPTH', { PGRST_DB_POOL_PIPELINE_DEPTH: '1' }, { dbPoolPipelineDepth: 1 }],
    ['PGRST_DB_READ_URIS', { PGRST_DB_READ_URIS: 'postgres://r1/db, postgres://r2/db' }, { dbReadUris: ['postgres://r1/db', 'postgres://r2/db'] }],
    ['PGRST_DB_READ_MAX_LAG', { PGRST_DB_READ_MAX_LAG: '0' }, { dbReadMaxLag: 0 }],
    ['PGRST_SERVER_WORKERS', { PGRST_SERVER_WORKERS: '3' }, { serverWorkers: 3 }],
    ['PGRST_SERVER_WORKERS auto', { PGRST_SERVER_WORKERS: 'AUTO' }, { serverWorkers: 'auto' }],
    ['PGRST_DB_MAX_ROWS', { PGRST_DB_MAX_ROWS: '50' }, { dbMaxRows: 50 }],
    ['PGRST_DB_EXTRA_SEARCH_PATH', { PGRST_DB_EXTRA_SEARCH_PATH: 'ext, public' }, { dbExtraSearchPath: ['ext', 'public'] }],
    ['PGRST_DB_PREPARED_STATEMENTS', { PGRST_DB_PREPARED_STATEMENTS: 'off' }, { dbPreparedStatements: false }],
    ['PGRST_DB_TX_END', { PGRST_DB_TX_END: 'rollback' }, { dbTxEnd: 'rollback' }],
    ['PGRST_DB_PRE_REQUEST', { PGRST_DB_PRE_REQUEST: 'f' }, { dbPreRequest: 'f' }],
    ['PGRST_DB_ROOT_SPEC', { PGRST_DB_ROOT_SPEC: 'root' }, { dbRootSpec: 'root' }],
    ['PGRST_ROOT_SPEC (alias)', { PGRST_ROOT_SPEC: 'old_root' }, { dbRootSpec: 'old_root' }],
    ['PGRST_OPENAPI_SECURITY_ACTIVE', { PGRST_OPENAPI_SECURITY_ACTIVE: 'true' }, { openapiSecurityActive: true }],
    ['PGRST_OPENAPI_VERSION', { PGRST_OPENAPI_VERSION: '3.1' }, { openapiVersion: '3.1' }],
    ['PGRST_OPENAPI_UI_PATH (trailing slash dropped)', { PGRST_OPENAPI_UI_PATH: '/docs/' }, { openapiUiPath: '/docs' }],
    ['PGRST_SERVER_HOST', { PGRST_SERVER_HOST: '*' }, { serverHost: '*', adminServerHost: '*' }],
    ['PGRST_SERVER_PORT', { PGRST_SERVER_PORT: '0' }, { serverPort: 0 }],
    ['PGRST_JWT_SECRET', { PGRST_JWT_SECRET: 's3cret' }, { jwtSecret: 's3cret' }],
    ['PGRST_JWT_SECRET_IS_BASE64', { PGRST_JWT_SECRET_IS_BASE64: 'yes' }, { jwtSecretIsBase64: true }],
    ['PGRST_JWT_AUD', { PGRST_JWT_AUD: 'aud' }, { jwtAud: 'aud' }],
    ['PGRST_JWT_ROLE_CLAIM_KEY', { PGRST_JWT_ROLE_CLAIM_KEY: '.r' }, { jwtRoleClaimKey: '.r' }],
    ['PGRST_LOG_LEVEL', { PGRST_LOG_LEVEL: 'debug' }, { logLevel: 'debug' }],
    [
      'PGRST_APP_SETTINGS_* keep underscores, lower-cased',
      { PGRST_APP_SETTINGS_JWT_EXP: '3600', PGRST_APP_SETTINGS_Foo: 'Bar' },
      { appSettings: { jwt_exp: '3600', foo: 'Bar' } },
    ],
    ['unknown PGRST_* keys are ignored', { PGRST_SOME_FUTURE_OPTION: 'x' }, {}],
    ['PGRST_DB_CHANNEL', { PGRST_DB_CHANNEL: 'c', PGRST_DB_CHANNEL_ENABLED: 'false' }, { dbChannel: 'c', dbChannelEnabled: false }],
    ['PGRST_SCHEMA_CACHE_SNAPSHOT', { PGRST_SCHEMA_CACHE_SNAPSHOT: '/tmp/s.msgpack' }, { schemaCacheSnapshot: '/tmp/s.msgpack' }],
  ];
  for (const [name, env, expected] of cases) {
    test(name, () => {
      assert.deepEqual(loadConfig({ env }), { ...DEFAULTS, ...expected });
    });
  }
});

describe('booleans', () => {
  const cases: Array<[string, boolean]> = [
    ['true', true], ['TRUE', true], ['True', true], ['on', true], ['ON', true], ['yes', true], ['1', true],
    ['false', false], ['FALSE', false], ['off', false], ['no', false], ['No', false], ['0', false],
  ];
  for (const [raw, expected] of cases) {
    test(`${JSON.stringify(raw)} -> ${expected}`, () => {
      assert.equal(loadConfig({ env: { PGRST_DB_PREPARED_STATEMENTS: raw } }).dbPreparedStatements, expected);
    });
  }
  test('bare 1/0 in the file are booleans', () => {
    withTempFile('db-prepared-statements = 0\njwt-secret-is-base64 = 1\n', (path) => {
      const cfg = loadConfig({ file: path, env: {} });
      assert.equal(cfg.dbPreparedStatements, false);
      assert.equal(cfg.jwtSecretIsBase64, true);
    });
  });
});

describe('aliases', () => {
  const cases: Array<[string, string, Partial<AppConfig>]> = [
    ['db-schema', 'db-schema = "api"', { dbSchemas: ['api'] }],
    ['max-rows', 'max-rows = 7', { dbMaxRows: 7 }],
    ['pre-request', 'pre-request = "check"', { dbPreRequest: 'check' }],
    ['role-claim-key', 'role-claim-key = ".x"', { jwtRoleClaimKey: '.x' }],
    ['secret-is-base64', 'secret-is-base64 = true', { jwtSecretIsBase64: true }],
    ['canonical name wins over alias in the same source', 'db-schemas = "new"\ndb-schema = "old"', { dbSchemas: ['new'] }],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => {
      withTempFile(text, (path) => {
        assert.deepEqual(loadConfig({ file: path, env: {} }), { ...DEFAULTS, ...expected });
      });
    });
  }

  test('alias in env (PGRST_MAX_ROWS) works and overrides the file', () => {
    withTempFile('db-max-rows = 5', (path) => {
      assert.equal(loadConfig({ file: path, env: { PGRST_MAX_ROWS: '9' } }).dbMaxRows, 9);
    });
  });
});

describe('invalid values throw ConfigError naming the key', () => {
  const cases: Array<[string, Env]> = [
    ['db-pool', { PGRST_DB_POOL: 'ten' }],
    ['db-pool', { PGRST_DB_POOL: '1.5' }],
    ['db-pool', { PGRST_DB_POOL: '0' }],
    ['db-pool', { PGRST_DB_POOL: '-1' }],
    ['db-pool', { PGRST_DB_POOL: '1e3' }],
    ['db-pool', { PGRST_DB_POOL: '99999999999999999999' }],
    ['db-pool-acquisition-timeout', { PGRST_DB_POOL_ACQUISITION_TIMEOUT: 'soon' }],
    ['db-pool-acquisition-timeout', { PGRST_DB_POOL_ACQUISITION_TIMEOUT: '-1' }],
    ['db-max-rows', { PGRST_DB_MAX_ROWS: '10.0' }],
    ['db-max-rows', { PGRST_DB_MAX_ROWS: '-5' }],
    ['server-port', { PGRST_SERVER_PORT: '65536' }],
    ['server-port', { PGRST_SERVER_PORT: '-1' }],
    ['server-port', { PGRST_SERVER_PORT: 'http' }],
    ['db-prepared-statements', { PGRST_DB_PREPARED_STATEMENTS: 'maybe' }],
    ['db-prepared-statements', { PGRST_DB_PREPARED_STATEMENTS: '2' }],
    ['jwt-secret-is-base64', { PGRST_JWT_SECRET_IS_BASE64: 'y' }],
    ['db-tx-end', { PGRST_DB_TX_END: 'abort' }],
    ['db-tx-end', { PGRST_DB_TX_END: 'COMMIT' }],
    ['log-level', { PGRST_LOG_LEVEL: 'verbose' }],
    ['log-level', { PGRST_LOG_LEVEL: 'warning' }],
    ['db-schemas', { PGRST_DB_SCHEMAS: ' , ' }],
    ['openapi-version', { PGRST_OPENAPI_VERSION: '3.0' }],
    ['openapi-server-proxy-uri', { PGRST_OPENAPI_SERVER_PROXY_URI: 'api.example.com' }],
    ['openapi-server-proxy-uri', { PGRST_OPENAPI_SERVER_PROXY_URI: 'ftp://api.example.com' }],
    ['openapi-security-active', { PGRST_OPENAPI_SECURITY_ACTIVE: 'sometimes' }],
    ['db-read-uris', { PGRST_DB_READ_URIS: 'host=replica dbname=app' }],
    ['db-read-max-lag', { PGRST_DB_READ_MAX_LAG: '-1' }],
    ['server-workers', { PGRST_SERVER_WORKERS: '0' }],
    ['server-workers', { PGRST_SERVER_WORKERS: 'many' }],
  ];
  for (const [key, env] of cases) {
    test(`${key} = ${JSON.stringify(Object.values(env)[0])}`, () => {
      assert.throws(
        () => loadConfig({ env }),
        (err: unknown) => err instanceof ConfigError && err.name === 'ConfigError' && err.message.includes(key),
      );
    });
  }

  test('a non-integer number in the file names the key', () => {
    withTempFile('db-pool = 2.5', (path) => {
      assert.throws(
        () => loadConfig({ file: path, env: {} }),
        (err: unknown) => err instanceof ConfigError && err.message.includes('db-pool'),
      );
    });
  });

  test('valid boundaries are accepted', () => {
    const cfg = loadConfig({ env: { PGRST_SERVER_PORT: '65535', PGRST_DB_POOL: '1', PGRST_DB_MAX_ROWS: '0' } });
    assert.equal(cfg.serverPort, 65535);
    assert.equal(cfg.dbPool, 1);
    assert.equal(cfg.dbMaxRows, 0);
  });
});

describe('result is frozen', () => {
  const cfg = loadConfig({ env: { PGRST_DB_SCHEMAS: 'a,b', PGRST_APP_SETTINGS_X: 'y' } });
  const frozen: Array<[string, unknown]> = [
    ['config', cfg],
    ['dbSchemas', cfg.dbSchemas],
    ['dbExtraSearchPath', cfg.dbExtraSearchPath],
    ['appSettings', cfg.appSettings],
  ];
  for (const [name, value] of frozen) {
    test(`${name} is frozen`, () => {
      assert.ok(Object.isFrozen(value));
    });
  }

  test('mutation attempts throw in strict mode', () => {
    assert.throws(() => {
      (cfg as { serverPort: number }).serverPort = 1;
    }, TypeError);
    assert.throws(() => {
      (cfg.dbSchemas as string[]).push('c');
    }, TypeError);
    assert.throws(() => {
      (cfg.appSettings as Record<string, string>)['z'] = 'w';
    }, TypeError);
    assert.equal(cfg.serverPort, 3000);
    assert.deepEqual(cfg.dbSchemas, ['a', 'b']);
  });
});

describe('admin server options', () => {
  test('admin-server-port is read and admin-server-host defaults to server-host', () => {
    const c = loadConfig({ env: { PGRST_ADMIN_SERVER_PORT: '3001', PGRST_SERVER_HOST: '127.0.0.1' } });
    assert.equal(c.adminServerPort, 3001);
    assert.equal(c.adminServerHost, '127.0.0.1');
  });
  test('admin-server-port equal to server-port stops the start', () => {
    assert.throws(() => loadConfig({ env: { PGRST_ADMIN_SERVER_PORT: '3000' } }), ConfigError);
  });
});
