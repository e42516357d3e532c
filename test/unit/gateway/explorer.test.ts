// Unit tests for the explorer (gateway/explorer.ts) and its openapi-ui-path option: what the
// path may be, which table names it would hide, and that schema names cannot break the page.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../gateway/config.js';
import { explorerClash, explorerConflict, explorerResponse } from '../../../gateway/explorer.js';
import type { SchemaCache, Table } from '../../../planner/index.js';

const cacheWith = (...names: [string, string][]): SchemaCache => ({
  tables: new Map(names.map(([schema, name]) => [`${schema}\u0000${name}`, { schema, name } as unknown as Table])),
  foreignKeys: [],
});

describe('openapi-ui-path values', () => {
  for (const bad of ['/', 'docs', '/rpc', '/rpc/docs', '/a b', '/docs?x=1', '/docs#x', '//', '/ü']) {
    test(`${JSON.stringify(bad)} is refused`, () => {
      assert.throws(() => loadConfig({ env: { PGRST_OPENAPI_UI_PATH: bad } }), (e: unknown) => e instanceof ConfigError && /openapi-ui-path must be a path such as "\/docs"/.test(e.message));
    });
  }
  test('unset or empty is off; nested paths are fine', () => {
    assert.equal(loadConfig({ env: {} }).openapiUiPath, null);
    assert.equal(loadConfig({ env: { PGRST_OPENAPI_UI_PATH: '' } }).openapiUiPath, null);
    assert.equal(loadConfig({ env: { PGRST_OPENAPI_UI_PATH: '/_meta/docs' } }).openapiUiPath, '/_meta/docs');
  });
});

describe('explorerConflict', () => {
  const cache = cacheWith(['api', 'docs'], ['private', 'explorer']);
  test('a one-segment path naming a table of an exposed schema', () => {
    assert.equal(explorerConflict('/docs', ['api'], cache), 'api.docs');
    assert.equal(explorerClash('/docs', ['api'], cache), 'openapi-ui-path "/docs" would hide the table or view api.docs: choose another path (e.g. "/_docs")');
  });
  test('not for unexposed schemas, other names or nested paths', () => {
    assert.equal(explorerConflict('/explorer', ['api'], cache), null);
    assert.equal(explorerConflict('/Docs', ['api'], cache), null);
    assert.equal(explorerConflict('/docs/ui', ['api'], cache), null);
    assert.equal(explorerClash(null, ['api'], cache), null);
    assert.equal(explorerClash('/docs', ['api'], null), null);
  });
});

describe('explorerResponse', () => {
  test('schema names are escaped in the page and its JSON', () => {
    const r = explorerResponse('/docs', '/docs/', 'GET', ['api', '</script><b>"x']);
    const html = String(r.body);
    assert.doesNotMatch(html, /<\/script><b>/);
    assert.match(html, /&#60;\/script&#62;&#60;b&#62;&#34;x/);
    assert.match(html, /"root":"..\/"/);
  });
  test('a nested path points its page at the API root two levels up', () => {
    assert.match(String(explorerResponse('/_meta/docs', '/_meta/docs/', 'GET', ['api']).body), /"root":"..\/..\/"/);
    assert.deepEqual(explorerResponse('/_meta/docs', '/_meta/docs', 'GET', ['api']).headers, [['Location', 'docs/']]);
  });
});
