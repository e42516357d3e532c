// Unit tests: every option of PostgREST's reference (§1) is shown by --dump-config and
// --example, the example with every option switched on is a valid config, and a dump with
// every ops option away from its default (and a `$` in values) reads back identically.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { dumpConfig, EXAMPLE_CONFIG } from '../../../gateway/cli.js';
import { loadConfig } from '../../../gateway/config.js';

/** The reference's §1 table (v16), app.settings.* aside. */
const REFERENCE_OPTIONS = [
  'admin-server-host', 'admin-server-port', 'admin-server-unix-socket', 'admin-server-unix-socket-mode',
  'client-error-verbosity', 'db-aggregates-enabled', 'db-anon-role', 'db-channel', 'db-channel-enabled', 'db-config',
  'db-pre-config', 'db-extra-search-path', 'db-hoisted-tx-settings', 'db-max-rows', 'db-plan-enabled', 'db-pool',
  'db-pool-acquisition-timeout', 'db-pool-max-idletime', 'db-pool-max-lifetime', 'db-pool-automatic-recovery',
  'db-pre-request', 'db-prepared-statements', 'db-root-spec', 'db-schemas', 'db-tx-end', 'db-uri', 'jwt-aud',
  'jwt-role-claim-key', 'jwt-secret', 'jwt-secret-is-base64', 'jwt-cache-max-entries', 'log-level', 'log-query',
  'openapi-mode', 'openapi-security-active', 'openapi-server-proxy-uri', 'server-cors-allowed-origins', 'server-host',
  'server-port', 'server-reuseport', 'server-trace-header', 'server-timing-enabled', 'server-unix-socket',
  'server-unix-socket-mode', 'url-use-legacy-target-names',
];

function withFile<T>(text: string, fn: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cli-ops-'));
  try {
    const file = join(dir, 'gw.conf');
    writeFileSync(file, text);
    return fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('every reference option', () => {
  const dumped = dumpConfig(loadConfig({ env: {} }));
  for (const option of REFERENCE_OPTIONS) {
    test(`${option} is in --dump-config and --example`, () => {
      assert.match(dumped, new RegExp(`^${option} = `, 'm'));
      assert.match(EXAMPLE_CONFIG, new RegExp(`^(# )?${option} = `, 'm'));
    });
  }

  test('the example with every commented option switched on loads', () => {
    const all = EXAMPLE_CONFIG.replace(/^# ([a-z][a-z0-9.-]* = )/gm, '$1');
    const c = withFile(all, (file) => loadConfig({ file, env: {} }));
    assert.equal(c.jwtRoleClaimKey, '$.role');
    assert.equal(c.serverUnixSocketMode, 0o660);
    assert.equal(c.serverTraceHeader, 'x-request-id');
    assert.equal(c.appSettings['environment'], 'production');
  });
});

describe('dumpConfig round trip with the ops options', () => {
  test('non-default values and $ in strings read back the same', () => {
    const original = loadConfig({
      env: {
        PGRST_DB_CONFIG: 'false',
        PGRST_DB_PRE_CONFIG: 'postgrest.pre_config',
        PGRST_DB_AGGREGATES_ENABLED: 'true',
        PGRST_DB_PLAN_ENABLED: 'true',
        PGRST_DB_POOL_AUTOMATIC_RECOVERY: 'false',
        PGRST_DB_ROOT_SPEC: 'api.root',
        PGRST_CLIENT_ERROR_VERBOSITY: 'minimal',
        PGRST_LOG_QUERY: 'true',
        PGRST_OPENAPI_SECURITY_ACTIVE: 'true',
        PGRST_SERVER_REUSEPORT: 'true',
        PGRST_SERVER_TRACE_HEADER: 'X-Request-Id',
        PGRST_SERVER_TIMING_ENABLED: 'true',
        PGRST_SERVER_UNIX_SOCKET: '/tmp/gw.sock',
        PGRST_SERVER_UNIX_SOCKET_MODE: '600',
        PGRST_ADMIN_SERVER_UNIX_SOCKET: '/tmp/gw-admin.sock',
        PGRST_ADMIN_SERVER_UNIX_SOCKET_MODE: '777',
        PGRST_URL_USE_LEGACY_TARGET_NAMES: 'false',
        PGRST_JWT_ROLE_CLAIM_KEY: '$.app.roles[0]',
        PGRST_APP_SETTINGS_PRICE: '$5 $(not interpolated)',
        PGRST_APP_SETTINGS_MULTILINE: 'line 1\nline 2\ttab\r\u0001',
      },
    });
    const dumped = dumpConfig(original);
    assert.match(dumped, /^jwt-role-claim-key = "\$\$\.app\.roles\[0\]"$/m);
    assert.deepEqual(withFile(dumped, (file) => loadConfig({ file, env: {} })), original);
  });
});
