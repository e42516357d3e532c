// Unit tests for gateway/context.ts: cookie parsing, the search_path text, how app.settings and
// stored role settings combine, decoding the role-settings catalog answer, and the assembled
// RequestContext handed to txVarsStatement.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../gateway/config.js';
import { decodeRoleSettings, parseCookies, requestContext, searchPath, settingsFor } from '../../../gateway/context.js';

const COOKIE_CASES: readonly (readonly [string | undefined, Record<string, string>])[] = [
  [undefined, {}],
  ['', {}],
  ['a=1', { a: '1' }],
  ['a=1; b=two', { a: '1', b: 'two' }],
  ['  spaced  =  value  ;x=y', { spaced: 'value', x: 'y' }],
  ['q="quoted value"', { q: 'quoted value' }],
  ['enc=a%20b%3Bc', { enc: 'a b;c' }],
  ['bad=%E0%A4%A', { bad: '%E0%A4%A' }],
  ['dup=first; dup=second', { dup: 'first' }],
  ['novalue; =nokey; ok=1', { ok: '1' }],
  ['jwt=aaa.bbb.ccc', { jwt: 'aaa.bbb.ccc' }],
];

describe('parseCookies', () => {
  for (const [header, expected] of COOKIE_CASES) {
    test(JSON.stringify(header), () => {
      assert.deepEqual(parseCookies(header), expected);
    });
  }
});

describe('searchPath', () => {
  test('the target schema first, then the extras as given (repeats kept), each quoted', () => {
    assert.equal(searchPath('api', ['public']), '"api", "public"');
    // As PostgREST: db-extra-search-path as given, the request schema repeated if it is there too.
    assert.equal(searchPath('api', ['api', 'public']), '"api", "api", "public"');
    assert.equal(searchPath('api', ['public', 'public']), '"api", "public", "public"');
    assert.equal(searchPath('we"ird', []), '"we""ird"');
  });
});

describe('settings', () => {
  const roles = decodeRoleSettings(
    JSON.stringify([
      ['web_user', 'statement_timeout=5s'],
      ['web_user', 'app.note=a=b'],
      ['other', 'work_mem=64kB'],
      ['broken', 'no-equals'],
      'not an entry',
    ]),
  );

  test('decodeRoleSettings splits name=value at the first = and skips junk', () => {
    assert.deepEqual(roles.get('web_user'), [['statement_timeout', '5s'], ['app.note', 'a=b']]);
    assert.deepEqual(roles.get('other'), [['work_mem', '64kB']]);
    assert.equal(roles.has('broken'), false);
    assert.equal(decodeRoleSettings('{}').size, 0);
  });

  test('app.settings come first, then only the impersonated role’s settings', () => {
    const config = loadConfig({ env: { PGRST_APP_SETTINGS_GREETING: 'hi', PGRST_APP_SETTINGS_LIMIT: '3' } });
    assert.deepEqual(settingsFor(config, roles, 'web_user'), [
      ['app.settings.greeting', 'hi'],
      ['app.settings.limit', '3'],
      ['statement_timeout', '5s'],
      ['app.note', 'a=b'],
    ]);
    assert.deepEqual(settingsFor(config, roles, 'nobody'), [
      ['app.settings.greeting', 'hi'],
      ['app.settings.limit', '3'],
    ]);
  });

  test('requestContext assembles headers and cookies as JSON and keeps the role and claims', () => {
    const config = loadConfig({ env: { PGRST_DB_EXTRA_SEARCH_PATH: 'public,ext' } });
    const ctx = requestContext(config, roles, {
      raw: { method: 'PATCH', path: '/todos', query: '', headers: { 'x-a': '1', cookie: 'c=2' }, body: null },
      cookies: { c: '2' },
      auth: { role: 'other', claims: '{"role":"other"}', authenticated: true },
      schema: 'api',
      readOnly: false,
    });
    assert.equal(ctx.role, 'other');
    assert.equal(ctx.claims, '{"role":"other"}');
    assert.deepEqual(JSON.parse(ctx.headers), { 'x-a': '1', cookie: 'c=2' });
    assert.deepEqual(JSON.parse(ctx.cookies), { c: '2' });
    assert.equal(ctx.searchPath, '"api", "public", "ext"');
    assert.deepEqual(ctx.settings, [['work_mem', '64kB']]);
    assert.equal(ctx.method, 'PATCH');
  });
});
