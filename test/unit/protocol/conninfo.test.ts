// Unit tests for protocol/conninfo.ts and protocol/session-attrs.ts: libpq URIs and
// key=value strings, PG* fallbacks, sslmode and target_session_attrs validation, and which
// reported server parameters satisfy each target_session_attrs.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConnInfo, sessionMismatch } from '../../../protocol/conninfo.js';

describe('parseConnInfo', () => {
  test('URI with every part, percent-decoded, and query options', () => {
    const c = parseConnInfo('postgresql://al%40ice:p%3Aw@db.example:6543/my%20db?sslmode=verify-full&sslrootcert=/ca.pem&target_session_attrs=read-write&application_name=x&connect_timeout=5', {});
    assert.deepEqual(
      { ...c },
      {
        host: 'db.example',
        port: 6543,
        user: 'al@ice',
        password: 'p:w',
        database: 'my db',
        applicationName: 'x',
        sslmode: 'verify-full',
        sslrootcert: '/ca.pem',
        targetSessionAttrs: 'read-write',
        options: { connect_timeout: '5' },
      },
    );
  });

  test('key=value with quoted values', () => {
    const c = parseConnInfo("host=/var/run/pg port=5433 user=bob password='it\\'s' dbname=app sslmode=disable", {});
    assert.equal(c.host, '/var/run/pg');
    assert.equal(c.port, 5433);
    assert.equal(c.password, "it's");
    assert.equal(c.database, 'app');
    assert.equal(c.sslmode, 'disable');
  });

  test('PG* environment fills what the string leaves out; defaults otherwise', () => {
    const env = { PGHOST: 'h', PGPORT: '7000', PGUSER: 'u', PGPASSWORD: 'p', PGDATABASE: 'd', PGSSLMODE: 'require', PGTARGETSESSIONATTRS: 'primary', PGAPPNAME: 'a' };
    const c = parseConnInfo('postgresql://', env);
    assert.deepEqual([c.host, c.port, c.user, c.password, c.database, c.sslmode, c.targetSessionAttrs, c.applicationName], ['h', 7000, 'u', 'p', 'd', 'require', 'primary', 'a']);
    const d = parseConnInfo('postgresql://', {});
    assert.deepEqual([d.host, d.port, d.user, d.database, d.sslmode, d.targetSessionAttrs, d.sslrootcert], ['localhost', 5432, 'postgres', 'postgres', 'prefer', 'any', null]);
  });

  test('the string wins over the environment', () => {
    assert.equal(parseConnInfo('sslmode=disable', { PGSSLMODE: 'require' }).sslmode, 'disable');
  });

  test('invalid sslmode, target_session_attrs or port are refused', () => {
    assert.throws(() => parseConnInfo('sslmode=sometimes', {}), /invalid sslmode/);
    assert.throws(() => parseConnInfo('target_session_attrs=primary-ish', {}), /invalid target_session_attrs/);
    assert.throws(() => parseConnInfo('port=99999', {}), /invalid port/);
  });
});

describe('target_session_attrs', () => {
  const primary = new Map([['in_hot_standby', 'off'], ['default_transaction_read_only', 'off']]);
  const standby = new Map([['in_hot_standby', 'on'], ['default_transaction_read_only', 'off']]);
  const readOnlyPrimary = new Map([['in_hot_standby', 'off'], ['default_transaction_read_only', 'on']]);
  test('each mode against a primary, a standby and a read-only primary', () => {
    const table: [Parameters<typeof sessionMismatch>[0], boolean, boolean, boolean][] = [
      ['any', true, true, true],
      ['read-write', true, false, false],
      ['read-only', false, true, true],
      ['primary', true, false, true],
      ['standby', false, true, false],
      ['prefer-standby', true, true, true],
    ];
    for (const [mode, p, s, r] of table) {
      assert.equal(sessionMismatch(mode, primary) === null, p, `${mode} on primary`);
      assert.equal(sessionMismatch(mode, standby) === null, s, `${mode} on standby`);
      assert.equal(sessionMismatch(mode, readOnlyPrimary) === null, r, `${mode} on read-only primary`);
    }
  });
});
