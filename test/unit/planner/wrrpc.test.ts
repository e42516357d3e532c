// Planner pieces of the write/RPC leftovers without a database: PGRST128 decided at plan time,
// `record` without OUT parameters decoded as a value, the counted RPC statement calling the
// function once (MATERIALIZED), the NULL-composite call shape, and view column defaults and
// keys inherited from the base table (own default first, chains followed).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { actionPlan, decodeSchemaCache, mainStatement, toApiRequest, type SchemaCache } from '../../../planner/index.js';
import { schemaCacheToJson } from '../../../planner/schema/dump.js';

const routine = (name: string, extra: Record<string, unknown> = {}) => ({
  schema: 'api', name, set_of: false, volatility: 'volatile', settings: [], return_kind: 'scalar',
  return_type: 'integer', return_schema: 'pg_catalog', return_name: 'int4', params: [], columns: [], ...extra,
});
const pairColumns = [{ name: 'a', type: 'integer', nullable: true, has_default: false }];

const cache: SchemaCache = decodeSchemaCache({ tables: '[]', routines: JSON.stringify([
  routine('many', { set_of: true }),
  routine('one'),
  routine('nothing', { return_kind: 'void' }),
  routine('rec', { return_kind: 'composite', return_type: 'record', return_schema: 'pg_catalog', return_name: 'record' }),
  routine('pair', { return_kind: 'composite', return_type: 'api.pair', return_schema: 'api', return_name: 'pair', columns: pairColumns }),
]) });

function plan(method: string, path: string, prefer?: string, query = '') {
  const req = toApiRequest({ method, path, query, headers: prefer === undefined ? {} : { prefer }, body: null }, { schemas: ['api'] });
  assert.ok(req.ok, JSON.stringify(req));
  return actionPlan(req.value, cache, { maxRows: null });
}

describe('rpc leftovers: planning', () => {
  test('strict max-affected on a non-SETOF function is PGRST128 before anything runs', () => {
    for (const fn of ['one', 'nothing', 'pair']) {
      const p = plan('POST', `/rpc/${fn}`, 'handling=strict, max-affected=3');
      assert.ok(!p.ok, fn);
      assert.deepEqual([p.error.status, p.error.code], [400, 'PGRST128']);
    }
    const lenient = plan('POST', '/rpc/one', 'max-affected=3');
    assert.ok(lenient.ok && lenient.value.kind === 'call' && lenient.value.maxAffected === null);
    const setOf = plan('POST', '/rpc/many', 'handling=strict, max-affected=3');
    assert.ok(setOf.ok && setOf.value.kind === 'call' && setOf.value.maxAffected === 3);
    assert.ok(setOf.ok && mainStatement(setOf.value).text.includes("('pgrst-max-affected:' || pg_catalog.count(_pgrst_t))::int"));
  });

  test('record without OUT parameters is a value, called in a select list', () => {
    assert.deepEqual(cache.routines?.get('api\u0000rec')?.[0]?.returns, { kind: 'scalar', type: 'record' });
    const p = plan('GET', '/rpc/rec');
    assert.ok(p.ok);
    assert.match(mainStatement(p.value).text, /FROM LATERAL \(SELECT "api"\."rec"\(\) AS pgrst_scalar\) AS _pgrst_r/);
  });

  test('a single composite: called once behind OFFSET 0, a NULL result is no row', () => {
    const p = plan('GET', '/rpc/pair');
    assert.ok(p.ok);
    assert.match(
      mainStatement(p.value).text,
      /LATERAL \(SELECT "api"\."pair"\(\) AS _pgrst_v OFFSET 0\) AS _pgrst_c, LATERAL \(SELECT \(_pgrst_c\._pgrst_v\)\.\* WHERE num_nulls\(_pgrst_c\._pgrst_v\) = 0\) AS _pgrst_r/,
    );
  });

  test('count=exact materializes the filtered call once and counts it; no count, no CTE', () => {
    const counted = plan('GET', '/rpc/many', 'count=exact', 'limit=2');
    assert.ok(counted.ok);
    const text = mainStatement(counted.value).text;
    assert.match(text, /^WITH pgrst_call AS MATERIALIZED \(SELECT _pgrst_r\.\* FROM "api"\."many"\(\) AS _pgrst_r\(pgrst_scalar\)\), pgrst_source AS \(SELECT _pgrst_r\.pgrst_scalar FROM pgrst_call AS _pgrst_r LIMIT \$1 OFFSET \$2\)/);
    assert.match(text, /SELECT \(SELECT pg_catalog\.count\(\*\) FROM pgrst_call\) AS total_result_set/);
    assert.equal(text.split('"api"."many"(').length - 1, 1);
    const plain = plan('GET', '/rpc/many');
    assert.ok(plain.ok && !mainStatement(plain.value).text.includes('MATERIALIZED'));
  });

  test('the dump lists the routines', () => {
    const dump = schemaCacheToJson(cache) as { dbRoutines: { name: string }[] };
    assert.deepEqual(dump.dbRoutines.map((r) => r.name).sort(), ['many', 'nothing', 'one', 'pair', 'rec']);
  });
});

describe('view column defaults', () => {
  const col = (name: string, dflt: string | null = null) => ({ name, type: 'integer', nullable: true, has_default: dflt !== null, default: dflt });
  const rel = (name: string, kind: string, columns: unknown[]) => ({ schema: 'api', name, kind, insertable: true, updatable: true, deletable: true, primary_key: [], columns });
  const tables = JSON.stringify([
    rel('t', 'table', [col('id', "nextval('api.t_id_seq'::regclass)"), col('qty', '7'), col('note')]),
    rel('v1', 'view', [col('id'), col('qty', '8'), col('note')]),
    rel('v2', 'view', [col('ident'), col('qty'), col('note')]),
  ]);
  // v1 reads t (oid 10), v2 reads v1 (oid 20); the trees' target lists carry resorigtbl/col.
  const entry = (name: string, oid: number, att: number) => `{TARGETENTRY :expr {VAR} :resno ${att} :resname ${name} :ressortgroupref 0 :resorigtbl ${oid} :resorigcol ${att} :resjunk false}`;
  const action = (oid: number, names: string[]) => `({QUERY :commandType 1 :targetList (${names.map((n, i) => entry(n, oid, i + 1)).join(' ')}) :override 0})`;
  const views = JSON.stringify({
    views: [
      { schema: 'api', name: 'v1', action: action(10, ['id', 'qty', 'note']) },
      { schema: 'api', name: 'v2', action: action(20, ['ident', 'qty', 'note']) },
    ],
    columns: [
      [10, 'api', 't', 1, 'id', "nextval('api.t_id_seq'::regclass)", true],
      [10, 'api', 't', 2, 'qty', '7', false],
      [10, 'api', 't', 3, 'note', null, false],
      [20, 'api', 'v1', 1, 'id', null, false],
      [20, 'api', 'v1', 2, 'qty', '8', false],
      [20, 'api', 'v1', 3, 'note', null, false],
    ],
  });
  const c = decodeSchemaCache({ tables, views });
  const dflt = (view: string, column: string) => c.tables.get(`api\u0000${view}`)?.columnsByName.get(column)?.defaultExpr ?? null;

  test("a view column without a default takes its base column's; its own default wins", () => {
    assert.equal(dflt('v1', 'id'), "nextval('api.t_id_seq'::regclass)");
    assert.equal(dflt('v1', 'qty'), '8');
    assert.equal(dflt('v1', 'note'), null);
    assert.equal(c.tables.get('api\u0000v1')?.columnsByName.get('id')?.hasDefault, true);
  });

  test('chains of views are followed, renamed columns included', () => {
    assert.equal(dflt('v2', 'ident'), "nextval('api.t_id_seq'::regclass)");
    assert.equal(dflt('v2', 'qty'), '8');
    assert.equal(dflt('v2', 'note'), null);
  });

  test("a view exposing its source's whole primary key gets it as its key, through chains", () => {
    assert.deepEqual(c.tables.get('api\u0000v1')?.primaryKey, ['id']);
    assert.deepEqual(c.tables.get('api\u0000v2')?.primaryKey, ['ident']);
    const partial = JSON.stringify({
      views: [{ schema: 'api', name: 'v1', action: `({QUERY :targetList (${entry('qty', 10, 2)} ${entry('note', 10, 3)}) :override 0})` }],
      columns: [[10, 'api', 't', 1, 'id', null, true], [10, 'api', 't', 2, 'qty', null, false], [10, 'api', 't', 3, 'note', null, false]],
    });
    assert.deepEqual(decodeSchemaCache({ tables, views: partial }).tables.get('api\u0000v1')?.primaryKey, []);
  });

  test('a view over a view of a schema no request reaches (db-extra-search-path) inherits through it', () => {
    // x.hidden (oid 30, not in the tables: not exposed) reads api.t; api.v3 reads x.hidden.
    const exposed = JSON.stringify([rel('t', 'table', [col('id', "nextval('api.t_id_seq'::regclass)"), col('qty', '7')]), rel('v3', 'view', [col('k'), col('qty')])]);
    const hidden = JSON.stringify({
      views: [
        { schema: 'x', name: 'hidden', action: action(10, ['id', 'qty']) },
        { schema: 'api', name: 'v3', action: action(30, ['k', 'qty']) },
      ],
      columns: [
        [10, 'api', 't', 1, 'id', "nextval('api.t_id_seq'::regclass)", true],
        [10, 'api', 't', 2, 'qty', '7', false],
        [30, 'x', 'hidden', 1, 'id', null, false],
        [30, 'x', 'hidden', 2, 'qty', null, false],
      ],
    });
    const v3 = decodeSchemaCache({ tables: exposed, views: hidden }).tables.get('api\u0000v3');
    assert.deepEqual(v3?.primaryKey, ['k']);
    assert.equal(v3?.columnsByName.get('k')?.defaultExpr, "nextval('api.t_id_seq'::regclass)");
    assert.equal(v3?.columnsByName.get('qty')?.defaultExpr, '7');
  });

  test('older five-element view column rows still decode', () => {
    const old = JSON.stringify({ views: [], columns: [[10, 'api', 't', 1, 'id']] });
    assert.doesNotThrow(() => decodeSchemaCache({ tables, views: old }));
  });
});
