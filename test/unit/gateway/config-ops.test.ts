// Unit tests for the config file's interpolation (`$(VAR)`, `$$`), `@file` values, every
// legacy alias, removed options, in-database precedence and the validation of the options
// added for operations (sockets, timing, tracing, log-query, proxy URI, system schemas).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, IN_DB_OPTIONS, inDbName, loadConfig, parseConfigFile } from '../../../gateway/config.js';

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-ops-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fromFile(text: string, env: Record<string, string> = {}): ReturnType<typeof loadConfig> {
  return withDir((dir) => {
    const file = join(dir, 'gw.conf');
    writeFileSync(file, text);
    return loadConfig({ file, env });
  });
}

const configError = (pattern: RegExp) => (err: unknown): boolean => err instanceof ConfigError && pattern.test(err.message);

describe('interpolation in the config file', () => {
  test('$(VAR) reads the environment', () => {
    const parsed = parseConfigFile('db-uri = "postgres://u:$(PW)@h/db"', { PW: 'secret' });
    assert.equal(parsed.get('db-uri'), 'postgres://u:secret@h/db');
  });
  test('$(key) reads a key defined earlier in the file, before the environment', () => {
    const parsed = parseConfigFile('host = "db1"\ndb-uri = "postgres://$(host)/x"', { host: 'from-env' });
    assert.equal(parsed.get('db-uri'), 'postgres://db1/x');
  });
  test('a grouped key looks in its own group first, as configurator does', () => {
    const parsed = parseConfigFile('app.settings.base = "b"\napp.settings.url = "$(base)/x"');
    assert.equal(parsed.get('app.settings.url'), 'b/x');
  });
  test('$$ is a literal $, so jwt-role-claim-key can be written as PostgREST documents', () => {
    assert.equal(fromFile('jwt-role-claim-key = "$$.roles[0]"').jwtRoleClaimKey, '$.roles[0]');
    assert.equal(parseConfigFile('x = "a$$$$b"').get('x'), 'a$$b');
  });
  test('a lone $, an unknown variable and an unterminated $( are errors naming the line', () => {
    assert.throws(() => parseConfigFile('a = 1\nx = "$.role"'), configError(/line 2: .*must be written as "\$\$"/));
    assert.throws(() => parseConfigFile('x = "$(NOPE_NOT_SET)"', {}), configError(/line 1: "\$\(NOPE_NOT_SET\)".*no such config key or environment variable/));
    assert.throws(() => parseConfigFile('x = "$(OPEN"'), configError(/unterminated/));
    assert.throws(() => parseConfigFile('x = "$()"'), configError(/empty/));
  });
  test('environment values are taken literally', () => {
    assert.equal(loadConfig({ env: { PGRST_DB_ANON_ROLE: '$(X)' } }).dbAnonRole, '$(X)');
  });
  test('loadConfig interpolates from the env it is given', () => {
    assert.equal(fromFile('db-anon-role = "$(ANON)"', { ANON: 'web_anon' }).dbAnonRole, 'web_anon');
  });
});

describe('string escapes (configurator uses JSON escapes)', () => {
  test('\\/ \\b \\f and \\uXXXX, surrogate pairs included', () => {
    assert.equal(parseConfigFile(String.raw`x = "a\/b\b\f\u00e9\ud83d\ude00"`).get('x'), 'a/b\b\f\u00e9\u{1F600}');
  });
  test('a short \\u escape is an error naming the line', () => {
    assert.throws(() => parseConfigFile('a = 1\nx = "\\u12"'), configError(/line 2: "\\u" needs four hex digits/));
  });
});

describe('@file values', () => {
  test('jwt-secret and db-uri read the file, without its trailing newline', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'secret'), 'reallyreallyreallyreallyverysafe\n');
      writeFileSync(join(dir, 'uri'), 'postgres://u@h/db\r\n');
      const c = loadConfig({ env: { PGRST_JWT_SECRET: `@${join(dir, 'secret')}`, PGRST_DB_URI: `@${join(dir, 'uri')}` } });
      assert.equal(c.jwtSecret, 'reallyreallyreallyreallyverysafe');
      assert.equal(c.dbUri, 'postgres://u@h/db');
    });
  });
  test('other options keep a leading @ as text', () => {
    assert.equal(loadConfig({ env: { PGRST_DB_ANON_ROLE: '@anon' } }).dbAnonRole, '@anon');
  });
  test('a missing file stops the load with the option and path', () => {
    assert.throws(() => loadConfig({ env: { PGRST_JWT_SECRET: '@/nonexistent/secret' } }), configError(/jwt-secret file \/nonexistent\/secret/));
  });
});

describe('legacy aliases and removed options', () => {
  const aliases: [string, string, (c: ReturnType<typeof loadConfig>) => unknown, unknown][] = [
    ['db-schema', '"a,b"', (c) => c.dbSchemas, ['a', 'b']],
    ['max-rows', '7', (c) => c.dbMaxRows, 7],
    ['db-pool-timeout', '9', (c) => c.dbPoolMaxIdletime, 9],
    ['pre-request', '"api.check"', (c) => c.dbPreRequest, 'api.check'],
    ['role-claim-key', '".r"', (c) => c.jwtRoleClaimKey, '.r'],
    ['root-spec', '"api.root"', (c) => c.dbRootSpec, 'api.root'],
    ['secret-is-base64', 'true', (c) => c.jwtSecretIsBase64, true],
  ];
  for (const [alias, value, get, expected] of aliases) {
    test(`${alias} sets its canonical option`, () => assert.deepEqual(get(fromFile(`${alias} = ${value}`)), expected));
  }
  test('removed options are ignored with a warning naming the replacement', () => {
    const warnings: string[] = [];
    loadConfig({ env: { PGRST_JWT_CACHE_MAX_LIFETIME: '10', PGRST_RAW_MEDIA_TYPES: 'x' }, warn: (m) => warnings.push(m) });
    assert.equal(warnings.length, 2);
    assert.ok(warnings.some((w) => w.includes('jwt-cache-max-lifetime') && w.includes('jwt-cache-max-entries')));
  });
});

describe('in-database settings', () => {
  test('they win over the environment, which wins over the file', () => {
    withDir((dir) => {
      const file = join(dir, 'gw.conf');
      writeFileSync(file, 'db-max-rows = 1\ndb-anon-role = "file"\njwt-aud = "file"\n');
      const db = new Map([['db-max-rows', '3']]);
      const c = loadConfig({ file, env: { PGRST_DB_MAX_ROWS: '2', PGRST_DB_ANON_ROLE: 'env' }, db });
      assert.equal(c.dbMaxRows, 3);
      assert.equal(c.dbAnonRole, 'env');
      assert.equal(c.jwtAud, 'file');
    });
  });
  test('options that cannot come from the database are ignored there', () => {
    const c = loadConfig({ env: {}, db: new Map([['server-port', '1234'], ['db-uri', 'postgres://elsewhere'], ['db-config', 'false']]) });
    assert.equal(c.serverPort, 3000);
    assert.equal(c.dbUri, 'postgresql://');
    assert.equal(c.dbConfig, true);
  });
  test('invalid in-database values are refused like any other', () => {
    assert.throws(() => loadConfig({ env: {}, db: new Map([['db-max-rows', 'lots']]) }), configError(/db-max-rows must be an integer/));
  });
  test('in-db names are pgrst. plus the name with underscores', () => {
    assert.equal(inDbName('db-schemas'), 'pgrst.db_schemas');
    assert.ok(IN_DB_OPTIONS.includes('server-timing-enabled'));
    assert.ok(!IN_DB_OPTIONS.includes('db-uri'));
  });
});

describe('options for operations', () => {
  test('defaults', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.serverUnixSocketMode, 0o660);
    assert.equal(c.logQuery, false);
    assert.equal(c.serverTraceHeader, null);
    assert.equal(c.dbConfig, true);
  });
  test('socket modes are octal between 600 and 777', () => {
    assert.equal(loadConfig({ env: { PGRST_SERVER_UNIX_SOCKET_MODE: '600' } }).serverUnixSocketMode, 0o600);
    assert.equal(fromFile('server-unix-socket-mode = 777').serverUnixSocketMode, 0o777);
    assert.equal(loadConfig({ env: { PGRST_ADMIN_SERVER_UNIX_SOCKET_MODE: '0640' } }).adminServerUnixSocketMode, 0o640);
    for (const bad of ['599', '800', '778', 'rw', '1000']) {
      assert.throws(() => loadConfig({ env: { PGRST_SERVER_UNIX_SOCKET_MODE: bad } }), configError(/server-unix-socket-mode must be an octal mode between 600 and 777/), bad);
    }
  });
  test("log-query is a boolean; v13's main-query and disabled are understood", () => {
    assert.equal(loadConfig({ env: { PGRST_LOG_QUERY: 'true' } }).logQuery, true);
    assert.equal(loadConfig({ env: { PGRST_LOG_QUERY: 'main-query' } }).logQuery, true);
    assert.equal(loadConfig({ env: { PGRST_LOG_QUERY: 'disabled' } }).logQuery, false);
    assert.throws(() => loadConfig({ env: { PGRST_LOG_QUERY: 'everything' } }), configError(/log-query must be a boolean/));
  });
  test('server-trace-header is matched case-insensitively', () => {
    assert.equal(loadConfig({ env: { PGRST_SERVER_TRACE_HEADER: 'X-Request-Id' } }).serverTraceHeader, 'x-request-id');
  });
  const invalid: [string, string, RegExp][] = [
    ['PGRST_CLIENT_ERROR_VERBOSITY', 'terse', /client-error-verbosity must be one of verbose, minimal/],
    ['PGRST_OPENAPI_SERVER_PROXY_URI', 'not a uri', /Malformed proxy uri/],
    ['PGRST_OPENAPI_SERVER_PROXY_URI', 'ftp://example.com', /Malformed proxy uri/],
    ['PGRST_DB_SCHEMAS', 'api,pg_catalog', /cannot expose the system schema pg_catalog/],
    ['PGRST_DB_SCHEMAS', 'information_schema', /cannot expose the system schema information_schema/],
    ['PGRST_SERVER_REUSEPORT', 'maybe', /server-reuseport must be a boolean/],
    ['PGRST_SERVER_TIMING_ENABLED', 'sometimes', /server-timing-enabled must be a boolean/],
    ['PGRST_DB_CONFIG', '2', /db-config must be a boolean/],
  ];
  for (const [name, value, pattern] of invalid) {
    test(`${name}=${value} stops the load`, () => assert.throws(() => loadConfig({ env: { [name]: value } }), configError(pattern)));
  }
});
