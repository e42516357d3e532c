// Unit tests for protocol/conninfo.ts (parseConnInfo): libpq URIs with percent-encoding and
// query options, key=value strings with quoting, PG* environment fallbacks, port validation.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { parseConnInfo, type ConnInfo } from '../../../protocol/conninfo.js';

type Env = Record<string, string | undefined>;

const defaults: ConnInfo = {
  host: 'localhost',
  port: 5432,
  user: 'postgres',
  password: null,
  database: 'postgres',
  applicationName: 'pgrest-gateway',
  options: {},
};

describe('URI form', () => {
  const cases: [string, string, Env, Partial<ConnInfo>][] = [
    [
      'everything, percent-encoded, with query options',
      'postgresql://al%40ice:p%40ss%3Aw%2Fd@db.example.com:6543/my%20db?sslmode=disable&application_name=x',
      {},
      { host: 'db.example.com', port: 6543, user: 'al@ice', password: 'p@ss:w/d', database: 'my db', applicationName: 'x', options: { sslmode: 'disable' } },
    ],
    ['postgres:// scheme, no password, default port', 'postgres://u@h/d', {}, { host: 'h', user: 'u', database: 'd' }],
    ['host and port only', 'postgres://h:5433', {}, { host: 'h', port: 5433 }],
    ['empty password is an empty string, not null', 'postgresql://u:@h/d', {}, { host: 'h', user: 'u', password: '', database: 'd' }],
    ['IPv6 host in brackets', 'postgresql://u:pw@[::1]:5432/d', {}, { host: '::1', user: 'u', password: 'pw', database: 'd' }],
    [
      'query values are form-decoded; unknown keys become options',
      'postgresql://u@h/d?application_name=a+b&options=-c%20x%3Dy&connect_timeout=5',
      {},
      { host: 'h', user: 'u', database: 'd', applicationName: 'a b', options: { options: '-c x=y', connect_timeout: '5' } },
    ],
    ['bare scheme is all defaults', 'postgresql://', {}, {}],
    [
      'missing parts fall back to PG* variables',
      'postgresql:///d',
      { PGHOST: '/var/run/postgresql', PGUSER: 'envu', PGPASSWORD: 'envp', PGPORT: '7777' },
      { host: '/var/run/postgresql', port: 7777, user: 'envu', password: 'envp', database: 'd' },
    ],
    [
      'URI parts win over PG* variables',
      'postgresql://u:pw@h:1111/d',
      { PGHOST: 'eh', PGUSER: 'eu', PGPASSWORD: 'ep', PGPORT: '2222', PGDATABASE: 'ed' },
      { host: 'h', port: 1111, user: 'u', password: 'pw', database: 'd' },
    ],
  ];
  for (const [name, text, env, expected] of cases) {
    test(name, () => assert.deepEqual(parseConnInfo(text, env), { ...defaults, ...expected }));
  }
});

describe('key=value form', () => {
  const cases: [string, string, Env, Partial<ConnInfo>][] = [
    ['plain values', 'host=localhost port=5433 user=bob dbname=x', {}, { port: 5433, user: 'bob', database: 'x' }],
    [
      'quoted values with spaces and escaped quotes',
      "host=db password='a b\\'c' dbname='my db' sslmode=require application_name=app",
      {},
      { host: 'db', password: "a b'c", database: 'my db', applicationName: 'app', options: { sslmode: 'require' } },
    ],
    ['escaped backslash in a quoted value', "password='x\\\\y'", {}, { password: 'x\\y' }],
    ['spaces around =', 'host = spaced   port = 1 ', {}, { host: 'spaced', port: 1 }],
    ['missing keys fall back to PG* variables', 'host=h user=u', { PGPASSWORD: 'fromenv', PGDATABASE: 'envdb' }, { host: 'h', user: 'u', password: 'fromenv', database: 'envdb' }],
  ];
  for (const [name, text, env, expected] of cases) {
    test(name, () => assert.deepEqual(parseConnInfo(text, env), { ...defaults, ...expected }));
  }
});

describe('environment fallbacks', () => {
  test('PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGAPPNAME', () => {
    const env = { PGHOST: 'eh', PGPORT: '1234', PGUSER: 'eu', PGPASSWORD: 'ep', PGDATABASE: 'ed', PGAPPNAME: 'ea' };
    assert.deepEqual(parseConnInfo('', env), { host: 'eh', port: 1234, user: 'eu', password: 'ep', database: 'ed', applicationName: 'ea', options: {} });
  });

  test('user falls back to USER, and the database to the user', () => {
    const c = parseConnInfo('', { USER: 'osuser' });
    assert.equal(c.user, 'osuser');
    assert.equal(c.database, 'osuser');
    assert.equal(parseConnInfo('user=alice', {}).database, 'alice');
  });

  test('nothing at all gives the libpq-style defaults', () => {
    assert.deepEqual(parseConnInfo('', {}), defaults);
  });
});

describe('invalid port', () => {
  const cases: [string, string, Env][] = [
    ['out of range in a URI', 'postgresql://u:pw@h:99999/d', {}],
    ['zero in a URI', 'postgresql://u:pw@h:0/d', {}],
    ['non-numeric key=value', 'port=x', {}],
    ['negative key=value', 'port=-1', {}],
    ['non-numeric PGPORT', '', { PGPORT: 'abc' }],
  ];
  for (const [name, text, env] of cases) {
    test(`${name} throws`, () => assert.throws(() => parseConnInfo(text, env), /invalid port in db-uri/));
  }

  // BUG (reported): a non-numeric URI port makes the host:port regex fail, so both host and
  // port are silently dropped and the connection goes to localhost:5432.
  test('non-numeric port in a URI throws', { todo: 'postgresql://h:54x32/d parses as localhost:5432' }, () => {
    assert.throws(() => parseConnInfo('postgresql://h:54x32/d', {}), /invalid port/);
  });
});
