// Unit tests for gateway/cli.ts: argument parsing and the --dump-config round trip.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpConfig, EXAMPLE_CONFIG, parseArgs } from '../../../gateway/cli.js';
import { loadConfig, parseConfigFile } from '../../../gateway/config.js';

describe('parseArgs', () => {
  const cases: [string[], ReturnType<typeof parseArgs>][] = [
    [[], { kind: 'serve', file: null }],
    [['app.conf'], { kind: 'serve', file: 'app.conf' }],
    [['-h'], { kind: 'help' }],
    [['--help', 'x.conf'], { kind: 'help' }],
    [['-v'], { kind: 'version' }],
    [['--version'], { kind: 'version' }],
    [['-e'], { kind: 'example' }],
    [['--dump-config', 'a.conf'], { kind: 'dump-config', file: 'a.conf' }],
    [['a.conf', '--dump-schema'], { kind: 'dump-schema', file: 'a.conf' }],
    [['--dump-types', 'a.conf'], { kind: 'dump-types', file: 'a.conf' }],
    [['--ready'], { kind: 'ready', file: null }],
  ];
  for (const [argv, expected] of cases) {
    test(argv.join(' ') || '(no arguments)', () => assert.deepEqual(parseArgs(argv), expected));
  }
  test('unknown flags, two files and conflicting modes are errors', () => {
    assert.equal(parseArgs(['--nope']).kind, 'error');
    assert.equal(parseArgs(['a.conf', 'b.conf']).kind, 'error');
    assert.equal(parseArgs(['--dump-config', '--ready']).kind, 'error');
  });
});

describe('dumpConfig', () => {
  test('reading the dump back gives the same config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
    try {
      const original = loadConfig({
        env: {
          PGRST_DB_URI: 'postgres://u:p"w\\x@h/db',
          PGRST_DB_SCHEMAS: 'api,v2',
          PGRST_DB_ANON_ROLE: 'anon',
          PGRST_DB_MAX_ROWS: '100',
          PGRST_JWT_SECRET: 'a-secret-with-"quotes"-and-#-hash-0123456789',
          PGRST_ADMIN_SERVER_PORT: '3001',
          PGRST_APP_SETTINGS_GREETING: 'hello world',
          PGRST_DB_EXTRA_SEARCH_PATH: '',
          PGRST_JWT_CACHE_MAX_ENTRIES: '5',
          PGRST_JWT_COOKIE_NAME: 'session',
          PGRST_DB_CHANNEL: 'reloads',
          PGRST_DB_HOISTED_TX_SETTINGS: 'statement_timeout,work_mem',
          PGRST_DB_POOL_MAX_IDLETIME: '11',
          PGRST_DB_POOL_PIPELINE_DEPTH: '8',
          PGRST_OPENAPI_MODE: 'disabled',
          PGRST_OPENAPI_SERVER_PROXY_URI: 'https://api.example.com/v1',
          PGRST_SCHEMA_CACHE_SNAPSHOT: '/var/cache/gw/schema.msgpack',
          PGRST_OPENAPI_SECURITY_ACTIVE: 'true',
          PGRST_OPENAPI_VERSION: '3.1',
          PGRST_DB_ROOT_SPEC: 'root',
        },
      });
      const file = join(dir, 'dumped.conf');
      writeFileSync(file, dumpConfig(original));
      assert.deepEqual(loadConfig({ file, env: {} }), original);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('the annotated example is a valid config file', () => {
    const parsed = parseConfigFile(EXAMPLE_CONFIG);
    assert.equal(parsed.get('db-schemas'), 'api');
    assert.equal(parsed.get('server-port'), '3000');
  });
});
