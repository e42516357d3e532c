// Write details matched to current PostgREST: Prefer: missing=default on PATCH ?columns= and
// through views (the view's own default, else the base table's), upserts through an
// auto-updatable view (201/200 from the pgrst.inserted count, no xmax needed), and
// count=exact|estimated|planned on writes (Content-Range).

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

const json = { 'Content-Type': 'application/json' };
const row = async (id: number): Promise<Record<string, unknown> | undefined> =>
  (await sqlQuery<Record<string, unknown>>('select id, label, qty, note from api.wrr_defaults where id = $1', [id]))[0];

describe('missing=default on PATCH', () => {
  const gw = suiteGateway();
  before(async () => {
    await sqlQuery("insert into api.wrr_defaults (id, label, qty, note) values (1, 'one', 1, 'n1'), (2, 'two', 2, 'n2')");
  });

  test('a ?columns= key absent from the body is set to its default (null without one)', async () => {
    const r = await request(gw(), 'PATCH', '/wrr_defaults?id=eq.1&columns=label,qty,note', {
      headers: { ...json, Prefer: 'missing=default, return=representation' },
      body: '{"label":"renamed"}',
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 1, label: 'renamed', qty: 7, note: null }]);
    assert.equal(r.headers.get('preference-applied'), 'missing=default, return=representation');
  });

  test('without missing=default the absent key becomes null; without ?columns= only body keys change', async () => {
    const r = await request(gw(), 'PATCH', '/wrr_defaults?id=eq.2&columns=qty,note', { headers: json, body: '{"qty":5}' });
    assert.equal(r.status, 204, r.text);
    assert.deepEqual(await row(2), { id: 2, label: 'two', qty: 5, note: null });
    const plain = await request(gw(), 'PATCH', '/wrr_defaults?id=eq.2', { headers: { ...json, Prefer: 'missing=default' }, body: '{"note":"kept"}' });
    assert.equal(plain.status, 204);
    assert.deepEqual(await row(2), { id: 2, label: 'two', qty: 5, note: 'kept' });
  });

  test('an explicit null is kept as null, not replaced by the default', async () => {
    const r = await request(gw(), 'PATCH', '/wrr_defaults?id=eq.2&columns=qty', { headers: { ...json, Prefer: 'missing=default' }, body: '{"qty":null}' });
    assert.equal(r.status, 204);
    assert.equal((await row(2))?.['qty'], null);
  });

  test('a bad value is still a 400 and changes nothing; an unknown ?columns= name is PGRST204', async () => {
    const bad = await request(gw(), 'PATCH', '/wrr_defaults?id=eq.2&columns=qty', { headers: { ...json, Prefer: 'missing=default' }, body: '{"qty":"many"}' });
    assert.equal(bad.status, 400);
    assert.equal((bad.json() as { code: string }).code, '22P02');
    const unknown = await request(gw(), 'PATCH', '/wrr_defaults?id=eq.2&columns=nope', { headers: { ...json, Prefer: 'missing=default' }, body: '{}' });
    assert.equal(unknown.status, 400);
    assert.equal((unknown.json() as { code: string }).code, 'PGRST204');
    assert.equal((await row(2))?.['note'], 'kept');
  });
});

describe('missing=default through a view', () => {
  const gw = suiteGateway();

  test("absent keys take the base table's defaults, or the view's own", async () => {
    const r = await request(gw(), 'POST', '/wrr_defaults_view?columns=id,label,qty,note', {
      headers: { ...json, Prefer: 'missing=default, return=representation' },
      body: '[{"id":10},{"id":11,"label":"given","note":null}]',
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [
      { id: 10, label: 'unnamed', qty: 7, note: 'from view' },
      { id: 11, label: 'given', qty: 7, note: null },
    ]);
  });

  test('without missing=default an absent NOT NULL key is a 400 (23502) and nothing is written', async () => {
    const r = await request(gw(), 'POST', '/wrr_defaults_view?columns=id,label', { headers: json, body: '[{"id":12}]' });
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, '23502');
    assert.equal(await row(12), undefined);
  });
});

describe('upsert through an auto-updatable view', () => {
  const gw = suiteGateway();
  const kv = async (): Promise<Record<string, unknown>[]> => sqlQuery('select k, v from api.wrr_kv order by k');

  test('merge-duplicates: 201 when a row was inserted, 200 when all were updated', async () => {
    const first = await request(gw(), 'POST', '/wrr_kv_view?on_conflict=k', {
      headers: { ...json, Prefer: 'resolution=merge-duplicates, return=representation' },
      body: '[{"k":"a","v":1},{"k":"b","v":2}]',
    });
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(first.json(), [{ k: 'a', v: 1 }, { k: 'b', v: 2 }]);
    const again = await request(gw(), 'POST', '/wrr_kv_view?on_conflict=k', { headers: { ...json, Prefer: 'resolution=merge-duplicates' }, body: '[{"k":"a","v":10}]' });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.headers.get('preference-applied'), 'resolution=merge-duplicates');
    const mixed = await request(gw(), 'POST', '/wrr_kv_view?on_conflict=k', { headers: { ...json, Prefer: 'resolution=merge-duplicates' }, body: '[{"k":"b","v":20},{"k":"c","v":3}]' });
    assert.equal(mixed.status, 201);
    assert.deepEqual(await kv(), [{ k: 'a', v: 10 }, { k: 'b', v: 20 }, { k: 'c', v: 3 }]);
  });

  test('ignore-duplicates through the view keeps existing rows (201)', async () => {
    const r = await request(gw(), 'POST', '/wrr_kv_view?on_conflict=k', {
      headers: { ...json, Prefer: 'resolution=ignore-duplicates, return=representation' },
      body: '[{"k":"a","v":99},{"k":"d","v":4}]',
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [{ k: 'd', v: 4 }]);
    assert.deepEqual((await kv()).find((x) => x['k'] === 'a'), { k: 'a', v: 10 });
  });

  test('the same upsert on the table answers the same way', async () => {
    const r = await request(gw(), 'POST', '/wrr_kv', { headers: { ...json, Prefer: 'resolution=merge-duplicates' }, body: '{"k":"a","v":11}' });
    assert.equal(r.status, 200, r.text);
    const n = await request(gw(), 'POST', '/wrr_kv', { headers: { ...json, Prefer: 'resolution=merge-duplicates' }, body: '{"k":"e","v":5}' });
    assert.equal(n.status, 201);
  });

  test("the view inherits its table's key: upsert without on_conflict, PUT and Location", async () => {
    const r = await request(gw(), 'POST', '/wrr_kv_view', { headers: { ...json, Prefer: 'resolution=merge-duplicates' }, body: '{"k":"a","v":12}' });
    assert.equal(r.status, 200, r.text);
    const put = await request(gw(), 'PUT', '/wrr_kv_view?k=eq.f', { headers: { ...json, Prefer: 'return=representation' }, body: '{"k":"f","v":6}' });
    assert.equal(put.status, 201, put.text);
    assert.deepEqual(put.json(), [{ k: 'f', v: 6 }]);
    const again = await request(gw(), 'PUT', '/wrr_kv_view?k=eq.f', { headers: json, body: '{"k":"f","v":7}' });
    assert.equal(again.status, 204);
    const loc = await request(gw(), 'POST', '/wrr_kv_view', { headers: { ...json, Prefer: 'return=headers-only' }, body: '{"k":"g h","v":8}' });
    assert.equal(loc.status, 201);
    assert.equal(loc.headers.get('location'), '/wrr_kv_view?k=eq.g%20h');
    const opts = await request(gw(), 'OPTIONS', '/wrr_kv_view');
    assert.match(opts.headers.get('allow') ?? '', /PUT/);
    assert.deepEqual(await sqlQuery("select v from api.wrr_kv where k in ('a', 'f') order by k"), [{ v: 12 }, { v: 7 }]);
  });

  test('a view without a key: the resolution is ignored and the row inserted (as PostgREST); PUT 405 (PGRST105) writes nothing', async () => {
    const r = await request(gw(), 'POST', '/wrr_nokey_view', { headers: { ...json, Prefer: 'resolution=merge-duplicates' }, body: '{"a":1,"b":1}' });
    assert.equal(r.status, 201, r.text);
    assert.ok(!(r.headers.get('preference-applied') ?? '').includes('resolution'));
    const put = await request(gw(), 'PUT', '/wrr_nokey_view?a=eq.1', { headers: json, body: '{"a":1,"b":2}' });
    assert.equal(put.status, 405);
    assert.equal((put.json() as { code: string }).code, 'PGRST105');
    assert.deepEqual(await sqlQuery('select a, b from api.wrr_nokey'), [{ a: 1, b: 1 }]);
  });

  test('a view written by an INSTEAD OF trigger cannot take ON CONFLICT: a client error, nothing written', async () => {
    const r = await request(gw(), 'POST', '/wr_log_view', { headers: { ...json, Prefer: 'resolution=merge-duplicates' }, body: '{"id":4242,"msg":"upsert"}' });
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`);
    assert.deepEqual(await sqlQuery('select 1 from api.wr_log where id = 4242'), []);
  });

  test('a NOT NULL violation in a view upsert is 400 and rolls back the whole batch', async () => {
    const r = await request(gw(), 'POST', '/wrr_kv_view?on_conflict=k', { headers: { ...json, Prefer: 'resolution=merge-duplicates' }, body: '[{"k":"y","v":1},{"k":"x","v":null}]' });
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, '23502');
    assert.deepEqual(await sqlQuery("select 1 from api.wrr_kv where k in ('x', 'y')"), []);
  });
});

describe('count preferences on writes', () => {
  const gw = suiteGateway();
  before(async () => {
    await sqlQuery("insert into api.wrr_items (id, grp) select 500 + g, 'cnt' from generate_series(1, 4) g");
  });

  test('count=exact and count=estimated report the written rows', async () => {
    const exact = await request(gw(), 'PATCH', '/wrr_items?grp=eq.cnt&id=lte.502', { headers: { ...json, Prefer: 'count=exact' }, body: '{"grp":"cnt"}' });
    assert.equal(exact.status, 204);
    assert.equal(exact.headers.get('content-range'), '0-1/2');
    const est = await request(gw(), 'POST', '/wrr_items', { headers: { ...json, Prefer: 'count=estimated' }, body: '[{"id":601,"grp":"cnt2"},{"id":602,"grp":"cnt2"}]' });
    assert.equal(est.status, 201);
    assert.equal(est.headers.get('content-range'), '*/2');
    assert.match(est.headers.get('preference-applied') ?? '', /count=estimated/);
  });

  test('count=planned has no total on a write; DELETE sends no range, PATCH does', async () => {
    const del = await request(gw(), 'DELETE', '/wrr_items?grp=eq.cnt2', { headers: { Prefer: 'count=planned' } });
    assert.equal(del.status, 204);
    assert.equal(del.headers.get('content-range'), '*/*');
    assert.deepEqual(await sqlQuery("select 1 from api.wrr_items where grp = 'cnt2'"), []);
    assert.match(del.headers.get('preference-applied') ?? '', /count=planned/);
    const patch = await request(gw(), 'PATCH', '/wrr_items?grp=eq.cnt', { headers: { ...json, Prefer: 'count=planned' }, body: '{"grp":"cnt"}' });
    assert.equal(patch.headers.get('content-range'), '0-3/*');
  });

  test('an unknown count value is ignored, or PGRST122 under strict', async () => {
    const lenient = await request(gw(), 'DELETE', '/wrr_items?id=eq.0', { headers: { Prefer: 'count=some' } });
    assert.equal(lenient.status, 204);
    assert.equal(lenient.headers.get('content-range'), '*/*');
    const strict = await request(gw(), 'DELETE', '/wrr_items?id=eq.0', { headers: { Prefer: 'handling=strict, count=some' } });
    assert.equal(strict.status, 400);
    assert.equal((strict.json() as { code: string }).code, 'PGRST122');
  });
});
