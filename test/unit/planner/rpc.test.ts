// RPC planning without a database: routine decoding from catalog JSON, overload resolution by
// argument names (PGRST202/203), the request split of GET arguments vs filters, and golden SQL
// (one shape → one text; arguments in one json parameter, only the names given are passed).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { actionPlan, decodeSchemaCache, hoistedSettings, mainStatement, toApiRequest, type SchemaCache } from '../../../planner/index.js';

const param = (name: string, type: string, hasDefault = false, variadic = false) => ({ name, type, has_default: hasDefault, variadic });
const routine = (name: string, params: unknown[], extra: Record<string, unknown> = {}) => ({
  schema: 'api', name, set_of: false, volatility: 'immutable', settings: [], return_kind: 'scalar',
  return_type: 'integer', return_schema: 'pg_catalog', return_name: 'int4', params, columns: [], ...extra,
});

const cache: SchemaCache = decodeSchemaCache({ tables: '[]', routines: JSON.stringify([
  routine('add', [param('a', 'integer'), param('b', 'integer', true)]),
  routine('over', [param('x', 'integer')]),
  routine('over', [param('y', 'text')]),
  routine('amb', [param('v', 'integer')]),
  routine('amb', [param('v', 'text')]),
  routine('rows', [param('n', 'integer')], {
    set_of: true, volatility: 'volatile', return_kind: 'composite', return_schema: 'api', return_name: 'r',
    columns: [{ name: 'id', type: 'integer', nullable: true, has_default: false }],
  }),
  routine('nothing', [], { return_kind: 'void' }),
  routine('echo', [param('', 'jsonb')], { settings: ['statement_timeout=5s', 'search_path=x'] }),
  routine('cat', [param('parts', 'text[]', false, true)]),
]) });

function plan(method: string, path: string, query = '', body: unknown = null) {
  const req = toApiRequest(
    { method, path, query, headers: {}, body: body === null ? null : new TextEncoder().encode(JSON.stringify(body)) },
    { schemas: ['api'] },
  );
  assert.ok(req.ok, JSON.stringify(req));
  return actionPlan(req.value, cache, { maxRows: null });
}

describe('rpc: routines in the schema cache', () => {
  test('overloads are grouped, parameters and return shapes decoded', () => {
    const over = cache.routines?.get('api\u0000over');
    assert.equal(over?.length, 2);
    const add = cache.routines?.get('api\u0000add')?.[0];
    assert.deepEqual(add?.params.map((p) => [p.name, p.type, p.hasDefault]), [['a', 'integer', false], ['b', 'integer', true]]);
    assert.deepEqual(cache.routines?.get('api\u0000rows')?.[0]?.returns.kind, 'composite');
    assert.equal(cache.routines?.get('api\u0000nothing')?.[0]?.returns.kind, 'void');
  });

  test('malformed catalog data fails loudly', () => {
    assert.throws(() => decodeSchemaCache({ tables: '[]', routines: JSON.stringify([routine('x', [], { volatility: 'sometimes' })]) }), /unexpected routine data/);
  });
});

describe('rpc: overload resolution', () => {
  test('by argument names; defaults may be left out', () => {
    const x = plan('POST', '/rpc/over', '', { x: 1 });
    const y = plan('POST', '/rpc/over', '', { y: 'a' });
    assert.ok(x.ok && y.ok && x.value.kind === 'call' && y.value.kind === 'call');
    assert.equal(x.value.routine.params[0]!.name, 'x');
    assert.equal(y.value.routine.params[0]!.name, 'y');
    assert.ok(plan('POST', '/rpc/add', '', { a: 1 }).ok);
  });

  test('none → 404 PGRST202, several → 300 PGRST203', () => {
    const none = plan('POST', '/rpc/add', '', { c: 1 });
    assert.ok(!none.ok);
    // PostgREST's fuzzy rule: `(c)` is nothing like `(a, b)`, `(a, c)` is.
    assert.deepEqual([none.error.status, none.error.code, none.error.hint], [404, 'PGRST202', null]);
    const close = plan('POST', '/rpc/add', '', { a: 1, c: 1 });
    assert.ok(!close.ok);
    assert.equal(close.error.hint, 'Perhaps you meant to call the function api.add(a, b)');
    const amb = plan('POST', '/rpc/amb', '', { v: 1 });
    assert.ok(!amb.ok);
    assert.deepEqual([amb.error.status, amb.error.code], [300, 'PGRST203']);
  });

  test('GET: values that are filters stay filters; the rest are arguments; GET is read-only', () => {
    const p = plan('GET', '/rpc/rows', 'n=3&id=gt.1&order=id.desc');
    assert.ok(p.ok && p.value.kind === 'call');
    assert.deepEqual(p.value.args.map((a) => a.name), ['n']);
    assert.equal(p.value.request.filters.length, 1);
    assert.equal(p.value.readOnly, true);
    const post = plan('POST', '/rpc/rows', '', { n: 3 });
    assert.ok(post.ok && post.value.kind === 'call' && !post.value.readOnly);
  });

  test('PUT on /rpc → 405 PGRST101', () => {
    const r = toApiRequest({ method: 'PUT', path: '/rpc/add', query: '', headers: {}, body: null }, { schemas: ['api'] });
    assert.ok(!r.ok);
    assert.deepEqual([r.error.status, r.error.code], [405, 'PGRST101']);
  });
});

describe('rpc: golden SQL', () => {
  const text = (method: string, path: string, query: string, body: unknown = null) => {
    const p = plan(method, path, query, body);
    assert.ok(p.ok);
    return mainStatement(p.value);
  };

  test('only the names given are passed, from one json parameter', () => {
    const c = text('POST', '/rpc/add', '', { a: 1 });
    assert.match(c.text, /FROM json_to_record\(\(SELECT CASE WHEN json_typeof\(_pgrst_j.j\) = 'array' THEN _pgrst_j.j -> 0 ELSE _pgrst_j.j END FROM \(SELECT \$1::json AS j\) _pgrst_j\)\) AS _pgrst_a\("a" integer\), LATERAL "api"."add"\("a" := _pgrst_a."a"\) AS _pgrst_r\(pgrst_scalar\)/);
    assert.equal(c.params[0], '{"a":1}');
  });

  test('query-string arguments go straight into the call, each cast to its type (PostgREST DirectArgs)', () => {
    const c = text('GET', '/rpc/add', 'a=1');
    assert.match(c.text, /FROM "api"."add"\("a" := \$1::integer\) AS _pgrst_r\(pgrst_scalar\)/);
    assert.equal(c.params[0], '1');
    assert.ok(!c.text.includes('json_to_record'), c.text);
    // A repeated name passes its last value.
    const rep = text('GET', '/rpc/add', 'a=1&a=7');
    assert.equal(rep.text, c.text);
    assert.equal(rep.params[0], '7');
  });

  test('same shape → same text, whatever the values', () => {
    assert.equal(text('GET', '/rpc/rows', 'n=1&id=gt.1').text, text('GET', '/rpc/rows', 'n=99&id=gt.7').text);
    assert.notEqual(text('POST', '/rpc/add', '', { a: 1 }).text, text('POST', '/rpc/add', '', { a: 1, b: 2 }).text);
  });

  test('filters and order apply to the result rows', () => {
    const c = text('GET', '/rpc/rows', 'n=3&id=gt.1&order=id.desc');
    assert.match(c.text, /AS _pgrst_r WHERE _pgrst_r."id" > \$2 ORDER BY _pgrst_r."id" DESC LIMIT/);
  });
});

describe('rpc: bodies, variadic and hoisted settings', () => {
  test('a single unnamed jsonb parameter takes the whole body as one parameter', () => {
    const p = plan('POST', '/rpc/echo', '', { any: 1 });
    assert.ok(p.ok && p.value.kind === 'call' && p.value.wholeBody);
    const c = mainStatement(p.value);
    assert.match(c.text, /FROM "api"."echo"\(\$1::jsonb\) AS _pgrst_r\(pgrst_scalar\)/);
  });

  test('variadic is passed with VARIADIC; one GET value becomes an array', () => {
    const p = plan('GET', '/rpc/cat', 'parts=solo');
    assert.ok(p.ok && p.value.kind === 'call');
    assert.equal(p.value.argsJson, '{"parts":["solo"]}');
    assert.match(mainStatement(p.value).text, /LATERAL "api"."cat"\(VARIADIC "parts" := _pgrst_a."parts"\)/);
  });

  test('only SET clauses named in db-hoisted-tx-settings are hoisted', () => {
    const echo = cache.routines?.get('api\u0000echo')?.[0];
    assert.ok(echo !== undefined);
    assert.deepEqual(hoistedSettings(echo, ['statement_timeout']), [['statement_timeout', '5s']]);
  });
});
