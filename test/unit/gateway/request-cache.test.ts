// The request cache: a repeated GET shape or JSON write shape skips parse and plan and gives
// exactly what a fresh parse and plan give (text, parameters, Content-Location, payload), masked
// filter values and body texts included; shapes where masking does not hold, other headers,
// bodies it does not cache and errors are right too.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlanCache } from '../../../gateway/plan-cache.js';
import { maskQuery, PLANNER_HEADERS, probeQuery, RequestCache, type Prepared } from '../../../gateway/request-cache.js';
import { errorResponse } from '../../../gateway/http-response.js';
import { actionPlan, decodeSchemaCache, toApiRequest, type RawRequest, type SchemaCache } from '../../../planner/index.js';
import { filmsSchema } from '../planner/films-schema.js';

const config = { schemas: ['api'] };

/** As the handler uses it: a request the cache does not take is prepared without it. */
class Cache extends RequestCache {
  override prepare(raw: RawRequest, cfg: object, schema: SchemaCache, compute: (raw: RawRequest) => Prepared): Prepared {
    return super.prepare(raw, cfg, schema, compute) ?? compute(raw);
  }
}

/** What the handler computes without the cache. */
function computeWith(plans: PlanCache, schema: SchemaCache = filmsSchema): { calls: number; fn: (raw: RawRequest) => Prepared } {
  const state = {
    calls: 0,
    fn: (raw: RawRequest): Prepared => {
      state.calls++;
      const req = toApiRequest(raw, config);
      if (!req.ok) return { ok: false, response: errorResponse(req.error) };
      const plan = actionPlan(req.value, schema, { maxRows: null });
      if (!plan.ok) return { ok: false, response: errorResponse(plan.error) };
      const { main, estimate } = plans.statements(plan.value, schema);
      return { ok: true, request: req.value, plan: plan.value, main, estimate };
    },
  };
  return state;
}

const get = (query: string, headers: Record<string, string> = {}, path = '/films', method = 'GET'): RawRequest => ({ method, path, query, headers, body: null });

/** The cached answer must equal the uncached one in everything the handler reads. */
function assertSame(a: Prepared, b: Prepared): void {
  assert.equal(a.ok, b.ok);
  if (!a.ok || !b.ok) {
    assert.deepEqual(a, b);
    return;
  }
  assert.equal(a.main.text, b.main.text);
  assert.deepEqual(a.main.params, b.main.params);
  assert.deepEqual(a.estimate, b.estimate);
  assert.equal(a.request.canonicalQuery, b.request.canonicalQuery);
  assert.equal(a.plan.request.canonicalQuery, b.plan.request.canonicalQuery);
  assert.equal(a.request.shape, b.request.shape);
  assert.deepEqual(a.plan.kind === 'read' && a.plan.range, b.plan.kind === 'read' && b.plan.range);
  assert.deepEqual(a.request.payload, b.request.payload);
  assert.deepEqual(a.plan.request.payload, b.plan.request.payload);
  assert.equal(a.plan.kind, b.plan.kind);
}

const write = (method: string, query: string, body: string, headers: Record<string, string> = {}, path = '/films'): RawRequest => ({
  method,
  path,
  query,
  headers: { 'content-type': 'application/json', ...headers },
  body: new TextEncoder().encode(body),
});

describe('request cache', () => {
  test('masking: plain comparisons only, never limit/offset/select/order or encoded values', () => {
    const masked = maskQuery('id=eq.42&year=gte.1990&select=id');
    assert.deepEqual(masked, { shape: 'id=eq.\u0002&year=gte.\u0002&select=id', values: ['42', '1990'] });
    assert.equal(probeQuery(masked!), 'id=eq.pgrst0mask&year=gte.pgrst1mask&select=id');
    assert.equal(maskQuery('id=eq.\u0002&year=gte.1'), null);
    assert.equal(maskQuery('id=eq.&=eq.1&id&id=gtx.1'), null);
    assert.equal(maskQuery('select=id,title&order=year.desc&limit=5&offset=10'), null);
    assert.equal(maskQuery('title=eq.a%20b&title=like.a*&id=in.(1,2)&id=is.null'), null);
    assert.equal(maskQuery('title=eq.a+b'), null);
    assert.equal(maskQuery('rel.limit=eq.5&or=(id.eq.1)'), null);
    assert.deepEqual(maskQuery('id=not.eq.7')?.values, ['7']);
  });

  test('a masked shape: one miss, then hits equal to a fresh plan for every value', () => {
    const plans = new PlanCache(100);
    const cache = new Cache(100);
    const compute = computeWith(plans);
    const fresh = computeWith(new PlanCache(100));
    for (const [i, id] of ['1', '4242', '77', '-3', '2024-01-01T00:00:00'].entries()) {
      const raw = get(`select=id,title&id=eq.${id}&year=lt.2000&order=year.desc&limit=5`);
      assertSame(cache.prepare(raw, config, filmsSchema, compute.fn), fresh.fn(raw));
      assert.equal(cache.misses, 1);
      assert.equal(cache.hits, i);
    }
    // The miss planned twice (real values and sentinels); every hit planned nothing.
    assert.equal(compute.calls, 2);
  });

  test('exact shapes (no maskable value) are cached by their whole query', () => {
    const cache = new Cache(100);
    const compute = computeWith(new PlanCache(100));
    const raw = get('select=id&id=in.(1,2)&limit=3&offset=1');
    const first = cache.prepare(raw, config, filmsSchema, compute.fn);
    assertSame(cache.prepare(raw, config, filmsSchema, compute.fn), first);
    const other = get('select=id&id=in.(1,2,3)&limit=4&offset=1');
    assertSame(cache.prepare(other, config, filmsSchema, compute.fn), computeWith(new PlanCache(100)).fn(other));
    assert.equal(compute.calls, 2);
    assert.equal(cache.hits, 1);
  });

  test('headers the planner reads are part of the key; others are not', () => {
    const cache = new Cache(100);
    const compute = computeWith(new PlanCache(100));
    const q = 'id=eq.1';
    const plain = cache.prepare(get(q), config, filmsSchema, compute.fn);
    const counted = cache.prepare(get(q, { prefer: 'count=exact' }), config, filmsSchema, compute.fn);
    const ranged = cache.prepare(get(q, { range: '0-1' }), config, filmsSchema, compute.fn);
    const csv = cache.prepare(get(q, { accept: 'text/csv' }), config, filmsSchema, compute.fn);
    assert.ok(plain.ok && counted.ok && ranged.ok && csv.ok);
    assert.notEqual(plain.main.text, counted.main.text);
    assert.notEqual(plain.main.text, csv.main.text);
    assert.deepEqual(ranged.plan.kind === 'read' && ranged.plan.range, { offset: 0, limit: 2 });
    cache.prepare(get(q, { 'user-agent': 'x', authorization: 'Bearer y' }), config, filmsSchema, compute.fn);
    assert.equal(cache.hits, 1);
    // HEAD is its own shape.
    const head = cache.prepare(get(q, {}, '/films', 'HEAD'), config, filmsSchema, compute.fn);
    assert.ok(head.ok && head.plan.kind === 'read' && head.plan.headOnly);
  });

  test('writes: a JSON body of the same keys reuses the template with its own text and values', () => {
    const cache = new Cache(100);
    const compute = computeWith(new PlanCache(100));
    const fresh = computeWith(new PlanCache(100));
    const cases: RawRequest[] = [
      write('PATCH', 'id=eq.1', '{"title":"a","year":1}'),
      write('PATCH', 'id=eq.2', '{"title":"b\\"c","year":2000}'),
      write('PATCH', 'id=eq.3', '{"year":3,"title":null}'),
      write('POST', '', '[{"title":"x","year":1},{"title":"y","year":2}]'),
      write('POST', '', '[{"title":"z","year":3}]'),
      write('POST', '', '{"title":"z","year":3}'),
      write('POST', 'columns=title', '[{"title":"z","year":3}]', { prefer: 'return=representation' }),
      write('POST', 'columns=title', '[{"title":"q","year":4}]', { prefer: 'return=representation' }),
      // With ?columns= the body is not parsed (PostgreSQL reads it), here as in the planner.
      write('POST', 'columns=title', '[{"title":"q","ye', { prefer: 'return=representation' }),
      // Not ASCII: decoded as the planner decodes (a leading BOM dropped), then the same template.
      write('PATCH', 'id=eq.4', '{"title":"é ☃","year":4}'),
      write('PATCH', 'id=eq.5', '\ufeff{"title":"bom","year":5}'),
    ];
    for (const raw of cases) assertSame(cache.prepare(raw, config, filmsSchema, compute.fn), fresh.fn(raw));
    // PATCH ×3 (one shape, though the third lists its keys in another order: two), POST arrays (one), POST object, columns.
    assert.equal(cache.hits, 6);
    // Invalid UTF-8 is planned (PGRST102) each time, never cached.
    const invalid: RawRequest = { ...write('PATCH', 'id=eq.6', ''), body: new Uint8Array([123, 34, 116, 34, 58, 34, 0xff, 34, 125]) };
    assertSame(cache.prepare(invalid, config, filmsSchema, compute.fn), fresh.fn(invalid));
    assert.equal(cache.hits, 6);
    const hit = cache.prepare(write('POST', '', '[{"title":"new","year":9}]'), config, filmsSchema, compute.fn);
    assert.ok(hit.ok && hit.request.payload?.json === '[{"title":"new","year":9}]' && hit.main.params.includes('[{"title":"new","year":9}]'));
  });

  test('calls: a POST /rpc/fn JSON body of the same keys reuses the template with its own text', () => {
    const param = (name: string, type: string, hasDefault = false) => ({ name, type, has_default: hasDefault, variadic: false });
    const routine = (name: string, params: unknown[], extra: Record<string, unknown> = {}) => ({
      schema: 'api', name, set_of: false, volatility: 'stable', settings: [], return_kind: 'scalar',
      return_type: 'integer', return_schema: 'pg_catalog', return_name: 'int4', params, columns: [], ...extra,
    });
    const schema = decodeSchemaCache({ tables: '[]', routines: JSON.stringify([
      routine('add', [param('a', 'integer'), param('b', 'integer', true)]),
      routine('over', [param('x', 'integer')]),
      routine('over', [param('y', 'text')]),
      routine('echo', [param('', 'jsonb')]),
      routine('rows', [param('n', 'integer')], {
        set_of: true, return_kind: 'composite', return_schema: 'api', return_name: 'r',
        columns: [{ name: 'id', type: 'integer', nullable: true, has_default: false }],
      }),
    ]) });
    const cache = new Cache(100);
    const compute = computeWith(new PlanCache(100), schema);
    const fresh = computeWith(new PlanCache(100), schema);
    const call = (name: string, body: string, query = '', headers: Record<string, string> = {}): RawRequest => write('POST', query, body, headers, '/rpc/' + name);
    const cases: RawRequest[] = [
      call('add', '{"a":1}'),
      call('add', '{"a":2}'),
      call('add', '{"a":3,"b":4}'),
      call('add', '{"b":5,"a":6}'),
      call('add', '[{"a":1},{"a":2}]'),
      call('add', '[{"a":7}]'),
      call('over', '{"x":1}'),
      call('over', '{"y":"one"}'),
      call('over', '{"x":2}'),
      call('echo', '{"anything":[1,2]}'),
      call('echo', '{"anything":{"k":3}}'),
      call('rows', '{"n":5}', 'id=gte.2&order=id.desc'),
      call('rows', '{"n":6}', 'id=gte.3&order=id.desc'),
      call('rows', '{"n":6}', 'select=id&limit=1', { prefer: 'count=exact' }),
      call('rows', '{"n":7}', 'select=id&limit=1', { prefer: 'count=exact' }),
      call('add', '{"a":1}', 'columns=a'),
      call('add', '{"a":2}', 'columns=a'),
      // Planned each time: errors (missing function, bad keys), bad JSON, empty bodies, GET arguments.
      call('nope', '{"a":1}'),
      call('nope', '{"a":2}'),
      call('add', '{"zz":1}'),
      call('add', '{"zz":2}'),
      call('add', '{"a":'),
      call('add', '{}'),
      call('add', '[]'),
      call('add', '[{"a":1},{"b":2}]'),
      call('add', '[1]'),
    ];
    for (const raw of cases) {
      const a = cache.prepare(raw, config, schema, compute.fn);
      const b = fresh.fn(raw);
      assertSame(a, b);
      if (a.ok && b.ok && a.plan.kind === 'call' && b.plan.kind === 'call') {
        assert.equal(a.plan.argsJson, b.plan.argsJson);
        assert.deepEqual(a.request.action, b.request.action);
      }
    }
    // add ×1 and [add] ×1 and over x ×1, echo ×1, rows ×2, columns ×1 hit.
    assert.equal(cache.hits, 7);
    const getCall = get('a=1', {}, '/rpc/add');
    assertSame(cache.prepare(getCall, config, schema, compute.fn), fresh.fn(getCall));
    assertSame(cache.prepare({ ...getCall, query: 'a=2' }, config, schema, compute.fn), fresh.fn({ ...getCall, query: 'a=2' }));
    // A GET call is cached by its exact query: the second differs, so no hit.
    assert.equal(cache.hits, 7);
    const patch = write('PATCH', '', '{"a":1}', {}, '/rpc/add');
    assertSame(cache.prepare(patch, config, schema, compute.fn), fresh.fn(patch));
  });

  test('writes that are planned each time: other types, big or keyless bodies, bad JSON, functions, PUT', () => {
    const cache = new Cache(100);
    const compute = computeWith(new PlanCache(100));
    const fresh = computeWith(new PlanCache(100));
    const big = '[' + Array.from({ length: 3000 }, (_, i) => `{"title":"t${i}","year":${i}}`).join(',') + ']';
    const cases: RawRequest[] = [
      write('POST', '', 'title,year\nx,1', { 'content-type': 'text/csv' }),
      write('POST', '', big),
      write('POST', '', '[]'),
      write('POST', '', '{}'),
      write('POST', '', '{"title":'),
      write('POST', '', '{"nope":1}'),
      write('POST', '', '{"a":1}', {}, '/rpc/f'),
      write('PUT', 'id=eq.1', '{"id":1,"title":"x"}'),
      write('POST', '%63olumns=title', '[{"title":"z","year":3}]'),
      write('POST', 'columns=title', ' x'),
    ];
    for (const raw of [...cases, ...cases]) assertSame(cache.prepare(raw, config, filmsSchema, compute.fn), fresh.fn(raw));
    assert.equal(cache.hits, 0);
  });

  test('errors are cached as their response; bodies and other methods bypass the cache', () => {
    const cache = new Cache(100);
    const compute = computeWith(new PlanCache(100));
    const missing = get('', {}, '/nope');
    const first = cache.prepare(missing, config, filmsSchema, compute.fn);
    assert.equal(first.ok, false);
    assert.equal(first.ok === false && first.response.status, 404);
    assert.deepEqual(cache.prepare(missing, config, filmsSchema, compute.fn), first);
    const bad = get('id=eq.1&limit=abc-');
    assertSame(cache.prepare(bad, config, filmsSchema, compute.fn), computeWith(new PlanCache(100)).fn(bad));
    const calls = compute.calls;
    cache.prepare({ ...get('id=eq.1'), method: 'OPTIONS' }, config, filmsSchema, compute.fn);
    cache.prepare({ ...get('id=eq.1'), body: new Uint8Array([123, 125]) }, config, filmsSchema, compute.fn);
    assert.equal(compute.calls, calls + 2);
    // DELETE by a masked filter is a template too.
    const del = (id: string): Prepared => cache.prepare({ ...get(`id=eq.${id}`), method: 'DELETE' }, config, filmsSchema, compute.fn);
    del('1');
    assertSame(del('2'), computeWith(new PlanCache(100)).fn({ ...get('id=eq.2'), method: 'DELETE' }));
  });

  test('a new schema cache or config empties it', () => {
    const cache = new Cache(100);
    const compute = computeWith(new PlanCache(100));
    cache.prepare(get('id=eq.1'), config, filmsSchema, compute.fn);
    const other = { ...filmsSchema };
    cache.prepare(get('id=eq.2'), config, other, compute.fn);
    cache.prepare(get('id=eq.3'), { schemas: ['api'] }, other, compute.fn);
    assert.equal(cache.hits, 0);
    assert.equal(cache.misses, 3);
  });

  test('bounded: the least recently used shape goes first', () => {
    const cache = new Cache(2);
    const compute = computeWith(new PlanCache(100));
    for (const q of ['select=id', 'select=title', 'select=id', 'select=year', 'select=id']) cache.prepare(get(q), config, filmsSchema, compute.fn);
    assert.equal(cache.size, 2);
    assert.equal(cache.hits, 2);
  });

  test('every request header planner/ reads is part of the key', () => {
    // Compiled to dist/test/unit/gateway/: the repository root is four levels up.
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const read = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith('.ts')) for (const m of readFileSync(join(root, dir, e.name), 'utf8').matchAll(/headers\[['"]([a-z0-9-]+)['"]\]/g)) read.add(m[1]!);
      }
    };
    walk('planner');
    assert.ok(read.has('prefer') && read.has('accept'), 'the scan found none of the known headers: it does not look where it should');
    for (const name of read) assert.ok(PLANNER_HEADERS.includes(name), `planner/ reads ${name}, which the request cache's key leaves out`);
  });
});
