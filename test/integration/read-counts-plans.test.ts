// Counts, db-max-rows and EXPLAIN as PostgREST (test/fixtures/69_reads2.sql): db-max-rows caps
// every embed, count=estimated is the larger of the bounded count and the planner's estimate
// beyond the cap (always without one), count=planned honours embed null filters, count=exact
// without paging is one aggregate, EXPLAIN shows the statement
// PostgREST would run (json bodies, a write's columns in its order, the table's name), and a
// select or logic tree ends where PostgREST's parser stops (spaces allowed inside a tree).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('read: db-max-rows on embeds and count=estimated', () => {
  const gw = suiteGateway({ PGRST_DB_MAX_ROWS: '2', PGRST_DB_TX_END: 'commit-allow-override' });

  test('every to-many embed is capped too; to-one embeds are unaffected', async () => {
    const r = await request(gw(), 'GET', '/rd2_shelf?select=id,rd2_can(id)&order=id&rd2_can.order=id');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [
      { id: 1, rd2_can: [{ id: 1 }, { id: 2 }] },
      { id: 2, rd2_can: [{ id: 4 }] },
    ]);
    // A smaller embed limit stays; nested levels are capped as well.
    const limited = await request(gw(), 'GET', '/rd2_shelf?select=id,rd2_can(id,rd2_shelf(rd2_can(id)))&id=eq.1&rd2_can.limit=1&rd2_can.order=id');
    assert.deepEqual(limited.json(), [{ id: 1, rd2_can: [{ id: 1, rd2_shelf: { rd2_can: [{ id: 1 }, { id: 2 }] } }] }]);
    const toOne = await request(gw(), 'GET', '/rd2_can?select=id,rd2_shelf(name)&id=gt.2&order=id');
    assert.deepEqual(toOne.json(), [{ id: 3, rd2_shelf: { name: 'top' } }, { id: 4, rd2_shelf: { name: 'middle' } }]);
  });

  test('a function call caps its embeds the same way', async () => {
    const r = await request(gw(), 'GET', '/rpc/rd2_cans_many?select=id,rd2_shelf(id,rd2_can(id))&id=eq.1');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 1, rd2_shelf: { id: 1, rd2_can: [{ id: 1 }, { id: 2 }] } }]);
  });

  test('count=estimated beyond the cap is the larger of the bounded count and the estimate', async () => {
    const few = await request(gw(), 'HEAD', '/rd2_cans_few_v', { headers: { Prefer: 'count=estimated' } });
    assert.equal(few.status, 206);
    assert.equal(few.headers.get('content-range'), '0-1/3');
    const many = await request(gw(), 'HEAD', '/rd2_cans_many_v', { headers: { Prefer: 'count=estimated' } });
    assert.equal(many.headers.get('content-range'), '0-1/1000');
    // Within the cap the count is exact.
    const exact = await request(gw(), 'HEAD', '/rd2_cans_many_v?id=lt.3', { headers: { Prefer: 'count=estimated' } });
    assert.equal(exact.headers.get('content-range'), '0-1/2');
  });

  test('a write representation is not capped', async () => {
    const r = await request(gw(), 'DELETE', '/rd2_can?id=in.(1,2,3)&select=id&order=id', { headers: { Prefer: 'return=representation, tx=rollback' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 1 }, { id: 2 }, { id: 3 }]);
  });
});

describe('read: EXPLAIN and counts as PostgREST', () => {
  const gw = suiteGateway({ PGRST_DB_PLAN_ENABLED: 'true', PGRST_DB_TX_END: 'commit-allow-override' });
  type PlanNode = { Plan: { Output?: string[]; 'Total Cost': number } };
  const plan = async (method: string, path: string, accept: string, prefer?: string): Promise<{ status: number; text: string; json: PlanNode[] }> => {
    const headers: Record<string, string> = { Accept: accept, ...(prefer === undefined ? {} : { Prefer: prefer }) };
    const r = await request(gw(), method, path, { headers });
    return { status: r.status, text: r.text, json: r.status === 200 ? (r.json() as PlanNode[]) : [] };
  };

  test('count=exact with nothing paged away is one aggregate; with a limit it is counted apart', async () => {
    const whole = await plan('GET', '/rd2_can', 'application/vnd.pgrst.plan+json', 'count=exact');
    assert.equal(whole.status, 200, whole.text);
    assert.equal(whole.text.split('Aggregate').length - 1, 1);
    const paged = await plan('GET', '/rd2_can?limit=2', 'application/vnd.pgrst.plan+json', 'count=exact');
    assert.ok(paged.text.split('Aggregate').length - 1 > 1, paged.text);
    const call = await plan('GET', '/rpc/rd2_cans_many', 'application/vnd.pgrst.plan+json', 'count=exact');
    assert.equal(call.text.split('Aggregate').length - 1, 1, call.text);
    // And the counts themselves are right.
    const counted = await request(gw(), 'GET', '/rd2_can?select=id&shelf_id=eq.1', { headers: { Prefer: 'count=exact' } });
    assert.equal(counted.headers.get('content-range'), '0-2/3');
    const pagedCount = await request(gw(), 'GET', '/rd2_can?select=id&limit=1', { headers: { Prefer: 'count=exact' } });
    assert.equal(pagedCount.headers.get('content-range'), '0-0/4');
    const callCount = await request(gw(), 'GET', '/rpc/rd2_cans_many?shelf_id=eq.1', { headers: { Prefer: 'count=exact' } });
    assert.equal(callCount.headers.get('content-range'), '0-2/3');
  });

  test('without db-max-rows, count=estimated is the larger of the exact count and the estimate', async () => {
    const many = await request(gw(), 'HEAD', '/rd2_cans_many_v', { headers: { Prefer: 'count=estimated' } });
    assert.equal(many.headers.get('content-range'), '0-3/1000');
    const few = await request(gw(), 'HEAD', '/rd2_cans_few_v', { headers: { Prefer: 'count=estimated' } });
    assert.equal(few.headers.get('content-range'), '0-3/4');
  });

  test('count=planned estimates the rows the embed null filters keep', async () => {
    const planned = async (path: string): Promise<number> => {
      const r = await request(gw(), 'GET', path, { headers: { Prefer: 'count=planned' } });
      assert.ok(r.status === 200 || r.status === 206, r.text);
      return Number(r.headers.get('content-range')?.split('/')[1]);
    };
    // The planner's guess for an embed that must be empty is below the table's, to-one or to-many.
    const all = await planned('/rd2_can?select=id,rd2_shelf()');
    const none = await planned('/rd2_can?select=id,rd2_shelf()&rd2_shelf=is.null');
    assert.ok(none < all, `${none} < ${all}`);
    const shelves = await planned('/rd2_shelf?select=id,rd2_can()');
    const empty = await planned('/rd2_shelf?select=id,rd2_can()&rd2_can=is.null');
    assert.ok(empty < shelves, `${empty} < ${shelves}`);
  });

  test('a paged count honours !inner and embed null filters (EXISTS / NOT EXISTS), nested too', async () => {
    const total = async (path: string): Promise<string | null> =>
      (await request(gw(), 'GET', path, { headers: { Prefer: 'count=exact' } })).headers.get('content-range');
    assert.equal(await total('/rd2_shelf?select=id,rd2_can!inner(id)&limit=1'), '0-0/2');
    assert.equal(await total('/rd2_shelf?select=id,rd2_can()&rd2_can=is.null&limit=1'), '0-0/1');
    assert.equal(await total('/rd2_shelf?select=id,rd2_can!inner(id)&rd2_can.id=gt.3&limit=1'), '0-0/1');
    assert.equal(await total('/rd2_shelf?select=id,rd2_can!inner(rd2_shelf!inner(id))&rd2_can.rd2_shelf.name=eq.top&limit=1'), '0-0/1');
    // `rel.is.null` inside or=(…) still counts through the embeds' joins.
    assert.equal(await total('/rd2_shelf?select=id,rd2_can()&or=(rd2_can.is.null,id.eq.1)&limit=1'), '0-0/2');
  });

  test('the body is json as PostgreSQL builds it, and a write lists the Location data before it', async () => {
    const read = await plan('GET', '/rd2_shelf', 'application/vnd.pgrst.plan+json; for="application/vnd.pgrst.object"; options=verbose');
    assert.equal(read.status, 200, read.text);
    assert.equal(read.json[0]!.Plan.Output![2], "COALESCE((json_agg(ROW(rd2_shelf.id, rd2_shelf.name)) -> 0), 'null'::json)");
    const del = await plan('DELETE', '/rd2_shelf?id=eq.3', 'application/vnd.pgrst.plan+json; for="application/vnd.pgrst.object"; options=verbose', 'return=representation');
    assert.equal(del.status, 200, del.text);
    assert.equal(del.json[0]!.Plan.Output![3], "COALESCE((json_agg(ROW(rd2_shelf.id, rd2_shelf.name)) -> 0), 'null'::json)");
    assert.equal(del.json[0]!.Plan.Output!.length, 7);
  });

  test('writes still answer as before: Location, status and body from their columns', async () => {
    const r = await request(gw(), 'POST', '/rd2_shelf', { body: '{"id":9,"name":"extra"}', headers: { 'Content-Type': 'application/json', Prefer: 'return=headers-only, tx=rollback' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), '/rd2_shelf?id=eq.9');
    const rep = await request(gw(), 'POST', '/rd2_shelf', { body: '{"id":9,"name":"extra"}', headers: { 'Content-Type': 'application/json', Prefer: 'return=representation, tx=rollback' } });
    assert.deepEqual(rep.json(), [{ id: 9, name: 'extra' }]);
  });

  test('a logic tree allows spaces around its parts and ends at its closing )', async () => {
    const r = await request(gw(), 'GET', '/rd2_shelf?select=id&order=id&or=( id.eq.3 , and ( id.gt.0 , id.lt.2 ) , not.or (id.gte.1) )junk');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 1 }, { id: 3 }]);
    // Still strict inside: an unclosed group is a parse error.
    const bad = await request(gw(), 'GET', '/rd2_shelf?or=(id.eq.1,and(id.eq.2)');
    assert.equal(bad.status, 400);
    assert.equal((bad.json() as { code: string }).code, 'PGRST100');
  });

  test('quoted names may hold reserved characters: dots, commas and parentheses', async () => {
    const r = await request(gw(), 'GET', '/rd2_odd?select=id,"a.b","c(d)","e,f"&"a.b"=gt.15');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 2, 'a.b': 20, 'c(d)': 'two', 'e,f': 'y' }]);
    // An embed named with a dot, and an embedded column with one, in select, filter and order.
    const e = await request(gw(), 'GET', '/rd2_odd?select=id,"rd2.odd_child"("x.y")&id=eq.1&"rd2.odd_child"."x.y"=neq.q&"rd2.odd_child".order="x.y".desc');
    assert.equal(e.status, 200, e.text);
    assert.deepEqual(e.json(), [{ id: 1, 'rd2.odd_child': [{ 'x.y': 'p' }] }]);
    const o = await request(gw(), 'GET', '/rd2_odd?select=id&order="a.b".desc');
    assert.deepEqual(o.json(), [{ id: 2 }, { id: 1 }]);
  });

  test('a select ends after an embed followed by anything but `,` or `)`', async () => {
    const r = await request(gw(), 'GET', "/rd2_shelf?select=name,rd2_can(id)'junk,ignored&id=eq.2");
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ name: 'middle', rd2_can: [{ id: 4 }] }]);
    // Inside an embed the next character must close it.
    const nested = await request(gw(), 'GET', "/rd2_shelf?select=name,rd2_can(id,rd2_shelf(id)'x)");
    assert.equal(nested.status, 400);
    assert.equal((nested.json() as { code: string }).code, 'PGRST100');
    // An aggregate call goes on with its cast (aggregates are off here: PGRST123, not a parse error).
    const agg = await request(gw(), 'GET', '/rd2_shelf?select=count()::text');
    assert.equal((agg.json() as { code: string }).code, 'PGRST123');
  });
});
