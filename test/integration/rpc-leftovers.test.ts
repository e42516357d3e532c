// RPC details matched to current PostgREST: strict max-affected on functions (PGRST124 with a
// rollback, PGRST128 for non-SETOF), the removed params=single-object, record / SETOF record
// results, a NULL composite as `null`, count=exact calling the function once, PGRST121's
// texts, Prefer: tx / db-tx-end on calls, and routines in the admin /schema_cache dump and
// --dump-schema.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authenticatorUri, request, sqlQuery, startTestGateway, suiteGateway } from '../helpers/gateway.js';

const json = { 'Content-Type': 'application/json' };
const idsIn = async (grp: string): Promise<number> =>
  (await sqlQuery('select 1 from api.wrr_items where grp = $1', [grp])).length;

describe('RPC max-affected', () => {
  const gw = suiteGateway();
  before(async () => {
    await sqlQuery("insert into api.wrr_items (id, grp) select g, 'many' from generate_series(1, 15) g");
    await sqlQuery("insert into api.wrr_items (id, grp) select 100 + g, 'few' from generate_series(1, 3) g");
    await sqlQuery("insert into api.wrr_items (id, grp) select 200 + g, 'tbl' from generate_series(1, 12) g");
  });

  test('SETOF beyond the limit: 400 PGRST124 and the deletes rolled back', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_delete_setof', { headers: { ...json, Prefer: 'handling=strict, max-affected=10' }, body: '{"g":"many"}' });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json(), { code: 'PGRST124', message: 'Query result exceeds max-affected preference constraint', details: 'The query affects 15 rows', hint: null });
    assert.equal(await idsIn('many'), 15);
  });

  test('TABLE beyond the limit: PGRST124 too', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_delete_table', { headers: { ...json, Prefer: 'handling=strict, max-affected=11' }, body: '{"g":"tbl"}' });
    assert.equal(r.status, 400);
    assert.equal((r.json() as { details: string }).details, 'The query affects 12 rows');
    assert.equal(await idsIn('tbl'), 12);
  });

  test('within the limit: the rows, committed, and max-affected in Preference-Applied', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_delete_setof?select=id&order=id', { headers: { ...json, Prefer: 'handling=strict, max-affected=3' }, body: '{"g":"few"}' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 101 }, { id: 102 }, { id: 103 }]);
    assert.equal(r.headers.get('preference-applied'), 'handling=strict, max-affected=3');
    assert.equal(await idsIn('few'), 0);
  });

  test('a void or single-row function with strict max-affected: 400 PGRST128, not called', async () => {
    const v = await request(gw(), 'POST', '/rpc/wrr_delete_void', { headers: { ...json, Prefer: 'handling=strict, max-affected=20' }, body: '{"g":"many"}' });
    assert.equal(v.status, 400);
    assert.deepEqual(v.json(), {
      code: 'PGRST128',
      message: 'Function must return SETOF or TABLE when max-affected preference is used with handling=strict',
      details: null,
      hint: null,
    });
    assert.equal(await idsIn('many'), 15);
    const s = await request(gw(), 'GET', '/rpc/wrr_single?g=many', { headers: { Prefer: 'handling=strict, max-affected=1' } });
    assert.equal(s.status, 400);
    assert.equal((s.json() as { code: string }).code, 'PGRST128');
  });

  test('without handling=strict max-affected is ignored (even on void)', async () => {
    const s = await request(gw(), 'GET', '/rpc/wrr_single?g=many', { headers: { Prefer: 'max-affected=0' } });
    assert.equal(s.status, 200);
    assert.deepEqual(s.json(), { id: 1, grp: 'many' });
    assert.equal(s.headers.get('preference-applied'), null);
  });

  test('a non-numeric max-affected is an invalid preference: PGRST122 under strict', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_delete_setof', { headers: { ...json, Prefer: 'handling=strict, max-affected=ten' }, body: '{"g":"many"}' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), { code: 'PGRST122', message: 'Invalid preferences given with handling=strict', details: 'Invalid preferences: max-affected=ten', hint: null });
    assert.equal(await idsIn('many'), 15);
  });
});

describe('Prefer: params=single-object (removed in v13)', () => {
  const gw = suiteGateway();

  test('lenient: ignored, so the keys are argument names and the json function is not found', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_mult', { headers: { ...json, Prefer: 'params=single-object' }, body: '{"x":4,"y":2}' });
    assert.equal(r.status, 404);
    const e = r.json() as { code: string; message: string };
    assert.equal(e.code, 'PGRST202');
    assert.equal(e.message, 'Could not find the function api.wrr_mult(x, y) in the schema cache');
  });

  test('strict: an unknown preference, 400 PGRST122', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_mult', { headers: { ...json, Prefer: 'handling=strict, params=single-object' }, body: '{"x":4,"y":2}' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), { code: 'PGRST122', message: 'Invalid preferences given with handling=strict', details: 'Invalid preferences: params=single-object', hint: null });
  });

  test('the named argument still works', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_mult', { headers: { ...json, Prefer: 'params=single-object' }, body: '{"param":{"x":4,"y":2}}' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '8');
  });
});

describe('record results and NULL composites', () => {
  const gw = suiteGateway();

  test('SETOF record without OUT parameters: an array of the rows as objects', async () => {
    const r = await request(gw(), 'GET', '/rpc/wrr_setof_record');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 1, name: 'one' }, { id: 2, name: 'two' }]);
  });

  test('record without OUT parameters: one object; limit and count work on SETOF record', async () => {
    const one = await request(gw(), 'POST', '/rpc/wrr_record', { headers: json, body: '{}' });
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.json(), { id: 7, name: 'seven' });
    const paged = await request(gw(), 'GET', '/rpc/wrr_setof_record?limit=1', { headers: { Prefer: 'count=exact' } });
    assert.equal(paged.status, 206, paged.text);
    assert.equal(paged.headers.get('content-range'), '0-0/2');
    assert.deepEqual(paged.json(), [{ id: 1, name: 'one' }]);
  });

  test('select= on a SETOF record is ignored like on any scalar result, never a 500', async () => {
    // PostgREST answers 400 (42703) here; like every scalar result, ours has no columns to pick.
    const r = await request(gw(), 'GET', '/rpc/wrr_setof_record?select=id');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 1, name: 'one' }, { id: 2, name: 'two' }]);
  });

  test('filters and order naming a column of a SETOF record: a 400 from the database, not a 500', async () => {
    const f = await request(gw(), 'GET', '/rpc/wrr_setof_record?id=eq.1');
    assert.equal(f.status, 400, f.text);
    assert.equal((f.json() as { code: string }).code, '42703');
    const o = await request(gw(), 'GET', '/rpc/wrr_setof_record?order=id.desc');
    assert.equal(o.status, 400, o.text);
  });

  test('a composite function returning NULL answers null', async () => {
    const r = await request(gw(), 'GET', '/rpc/wrr_null_pair');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'null');
    const out = await request(gw(), 'GET', '/rpc/wrr_no_row');
    assert.equal(out.text, 'null');
  });

  test('a composite whose fields are all null is still an object; a normal one is too', async () => {
    const nulls = await request(gw(), 'GET', '/rpc/wrr_nulls_pair');
    assert.deepEqual(nulls.json(), { a: null, b: null });
    const pair = await request(gw(), 'GET', '/rpc/wrr_pair_of?a=5&select=b');
    assert.deepEqual(pair.json(), { b: 'x' });
  });

  test('a NULL composite asked for as vnd.pgrst.object: 406 PGRST116 (no row)', async () => {
    const r = await request(gw(), 'GET', '/rpc/wrr_null_pair', { headers: { Accept: 'application/vnd.pgrst.object+json' } });
    assert.equal(r.status, 406);
    assert.equal((r.json() as { code: string }).code, 'PGRST116');
  });
});

describe('count=exact on RPC', () => {
  const gw = suiteGateway();
  const calls = async (tag: string): Promise<number> => (await sqlQuery('select 1 from api.wrr_calls where tag = $1', [tag])).length;

  test('the function runs once: the total comes from the same materialized result', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_logged?limit=2', { headers: { ...json, Prefer: 'count=exact' }, body: '{"tag":"exact","n":5}' });
    assert.equal(r.status, 206, r.text);
    assert.equal(r.headers.get('content-range'), '0-1/5');
    assert.deepEqual(r.json(), [1, 2]);
    assert.equal(await calls('exact'), 1);
  });

  test('filters apply before the count, paging after; estimated counts the same way', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_delete_setof?grp=eq.none', { headers: { ...json, Prefer: 'count=exact' }, body: '{"g":"nothing"}' });
    assert.equal(r.headers.get('content-range'), '*/0');
    const t = await request(gw(), 'GET', '/rpc/wrr_setof_record?offset=1', { headers: { Prefer: 'count=estimated' } });
    assert.equal(t.headers.get('content-range'), '1-1/2');
    assert.deepEqual(t.json(), [{ id: 2, name: 'two' }]);
  });

  test('without count the function also runs once', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_logged', { headers: json, body: '{"tag":"plain","n":2}' });
    assert.deepEqual(r.json(), [1, 2]);
    assert.equal(await calls('plain'), 1);
  });
});

describe('Prefer: tx on RPC (db-tx-end=commit-allow-override)', () => {
  const gw = suiteGateway({ PGRST_DB_TX_END: 'commit-allow-override' });
  const calls = async (tag: string): Promise<number> => (await sqlQuery('select 1 from api.wrr_calls where tag = $1', [tag])).length;

  test('tx=rollback: the result is returned, the side effects are not kept', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_logged', { headers: { ...json, Prefer: 'tx=rollback, count=exact' }, body: '{"tag":"rolled","n":2}' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [1, 2]);
    assert.equal(r.headers.get('content-range'), '0-1/2');
    assert.equal(r.headers.get('preference-applied'), 'count=exact, tx=rollback');
    assert.equal(await calls('rolled'), 0);
  });

  test('tx=commit keeps them; a void call rolled back answers 204', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_logged', { headers: { ...json, Prefer: 'tx=commit' }, body: '{"tag":"kept","n":1}' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('preference-applied'), 'tx=commit');
    assert.equal(await calls('kept'), 1);
    await sqlQuery("insert into api.wrr_items (id, grp) values (900, 'txvoid')");
    const v = await request(gw(), 'POST', '/rpc/wrr_delete_void', { headers: { ...json, Prefer: 'tx=rollback' }, body: '{"g":"txvoid"}' });
    assert.equal(v.status, 204, v.text);
    assert.equal(await idsIn('txvoid'), 1);
  });

  test('an error inside a rolled-back call is still the error', async () => {
    const r = await request(gw(), 'GET', '/rpc/rpc_raise', { headers: { Prefer: 'tx=rollback' } });
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, 'P0001');
  });
});

describe('db-tx-end=rollback applies to RPC too', () => {
  const gw = suiteGateway({ PGRST_DB_TX_END: 'rollback' });

  test('the call answers but nothing it wrote is kept; Prefer: tx is not honoured', async () => {
    const r = await request(gw(), 'POST', '/rpc/wrr_logged', { headers: { ...json, Prefer: 'tx=commit' }, body: '{"tag":"always-rolled","n":1}' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('preference-applied'), null);
    assert.deepEqual(await sqlQuery("select 1 from api.wrr_calls where tag = 'always-rolled'"), []);
  });
});

describe("RAISE SQLSTATE 'PGRST' errors (PGRST121)", () => {
  const gw = suiteGateway();

  test('a MESSAGE that is not JSON: PostgREST message, details and hint', async () => {
    const r = await request(gw(), 'GET', '/rpc/rpc_raise_custom_bad');
    assert.equal(r.status, 500);
    assert.deepEqual(r.json(), {
      code: 'PGRST121',
      message: `Could not parse JSON in the "RAISE SQLSTATE 'PGRST'" error`,
      details: "Invalid JSON value for MESSAGE: 'not json'",
      hint: "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.",
    });
  });

  test('no DETAIL, and a DETAIL without the obligatory keys', async () => {
    const none = await request(gw(), 'GET', '/rpc/wrr_raise_no_detail');
    assert.equal(none.status, 500);
    const n = none.json() as { details: string; hint: string };
    assert.equal(n.details, 'DETAIL is missing in the RAISE statement');
    assert.equal(n.hint, "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.");
    const bad = await request(gw(), 'GET', '/rpc/wrr_raise_bad_detail');
    assert.equal((bad.json() as { details: string }).details, `Invalid JSON value for DETAIL: '{"status":"x"}'`);
  });

  test('PGRST101 for other methods keeps PostgREST text', async () => {
    const r = await request(gw(), 'PATCH', '/rpc/wrr_mult', { headers: json, body: '{}' });
    assert.equal(r.status, 405);
    assert.deepEqual(r.json(), { code: 'PGRST101', message: 'Cannot use the PATCH method on RPC', details: null, hint: null });
  });
});

describe('routines in the admin /schema_cache', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({ PGRST_ADMIN_SERVER_PORT: '0' });
  });
  after(async () => {
    await gw.stop();
  });

  test('dbRoutines lists functions with parameters, return shape and volatility', async () => {
    const res = await fetch(`http://127.0.0.1:${gw.adminPort}/schema_cache`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { dbRoutines: { schema: string; name: string; params: { name: string }[]; returns: { kind: string }; setOf: boolean; volatility: string }[] };
    const del = body.dbRoutines.find((r) => r.name === 'wrr_delete_setof');
    assert.ok(del !== undefined);
    assert.equal(del.schema, 'api');
    assert.deepEqual(del.params.map((p) => p.name), ['g']);
    assert.equal(del.setOf, true);
    assert.equal(del.volatility, 'volatile');
    assert.equal(body.dbRoutines.find((r) => r.name === 'wrr_setof_record')?.returns.kind, 'scalar');
  });

  test('--dump-schema prints the same routines', () => {
    const mainJs = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'gateway', 'main.js');
    const env = { ...process.env, PGRST_DB_URI: authenticatorUri(), PGRST_DB_SCHEMAS: 'api', PGRST_DB_ANON_ROLE: 'web_anon' };
    const d = spawnSync(process.execPath, [mainJs, '--dump-schema'], { encoding: 'utf8', env });
    assert.equal(d.status, 0, d.stderr);
    const dump = JSON.parse(d.stdout) as { dbRoutines: { name: string }[] };
    assert.ok(dump.dbRoutines.some((r) => r.name === 'wrr_delete_table'));
  });
});
