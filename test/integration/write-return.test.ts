// Writes and their answers: Prefer return=minimal/headers-only/representation, Location from
// the primary key, Content-Range and count=exact on writes, ?columns= and PATCH/DELETE
// statuses, against the wr_* fixture tables.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

const json = { 'Content-Type': 'application/json' };

describe('write answers', () => {
  const gw = suiteGateway();

  test('POST default (return=minimal) → 201, no body, Content-Range */*', async () => {
    const r = await request(gw(), 'POST', '/wr_items', { headers: json, body: '{"name":"minimal"}' });
    assert.equal(r.status, 201);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('content-range'), '*/*');
    assert.equal(r.headers.get('location'), null);
  });

  test('return=headers-only → 201 with Location from the primary key', async () => {
    const r = await request(gw(), 'POST', '/wr_items', { headers: { ...json, Prefer: 'return=headers-only' }, body: '{"name":"hdr"}' });
    assert.equal(r.status, 201);
    assert.equal(r.text, '');
    const [row] = await sqlQuery<{ id: string }>("select id::text from api.wr_items where name = 'hdr'");
    assert.equal(r.headers.get('location'), `/wr_items?id=eq.${row!.id}`);
    assert.equal(r.headers.get('preference-applied'), 'return=headers-only');
  });

  test('Location with a composite key encodes each value', async () => {
    const r = await request(gw(), 'POST', '/wr_pairs', { headers: { ...json, Prefer: 'return=headers-only' }, body: '{"a":7,"b":"x y&z"}' });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('location'), '/wr_pairs?a=eq.7&b=eq.x%20y%26z');
  });

  test('return=representation with select= and vnd.pgrst.object', async () => {
    const r = await request(gw(), 'POST', '/wr_items?select=name,qty', {
      headers: { ...json, Prefer: 'return=representation', Accept: 'application/vnd.pgrst.object+json' },
      body: '{"name":"rep","qty":4}',
    });
    assert.equal(r.status, 201);
    assert.deepEqual(r.json(), { name: 'rep', qty: 4 });
    assert.match(r.headers.get('content-type') ?? '', /vnd\.pgrst\.object/);
  });

  test('bulk insert with count=exact → Content-Range */N', async () => {
    const r = await request(gw(), 'POST', '/wr_items', {
      headers: { ...json, Prefer: 'count=exact' },
      body: JSON.stringify([{ name: 'bulk1' }, { name: 'bulk2' }, { name: 'bulk3' }]),
    });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('content-range'), '*/3');
  });

  test('?columns= restricts the keys; other keys are ignored', async () => {
    const r = await request(gw(), 'POST', '/wr_items?columns=name,qty&select=name,qty,note', {
      headers: { ...json, Prefer: 'return=representation' },
      body: JSON.stringify([{ name: 'col1', qty: 2, note: 'ignored' }, { name: 'col2', qty: 3, extra: true }]),
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [
      { name: 'col1', qty: 2, note: 'none' },
      { name: 'col2', qty: 3, note: 'none' },
    ]);
  });

  test('Prefer: missing=default: absent keys take the column default, per row; null stays null', async () => {
    const r = await request(gw(), 'POST', '/wr_items?columns=id,name,qty,note&select=name,qty,note', {
      headers: { ...json, Prefer: 'missing=default, return=representation' },
      body: JSON.stringify([{ name: 'md1' }, { name: 'md2', qty: 5, note: null }]),
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [
      { name: 'md1', qty: 1, note: 'none' },
      { name: 'md2', qty: 5, note: null },
    ]);
    const ids = await sqlQuery<{ id: string }>("select id::text from api.wr_items where name in ('md1', 'md2')");
    assert.equal(new Set(ids.map((x) => x.id)).size, 2, 'a sequence default is evaluated per row');
  });

  test('without missing=default an absent key is null (and a NOT NULL default column fails)', async () => {
    const r = await request(gw(), 'POST', '/wr_items?columns=name,note', { headers: json, body: '[{"name":"mn1"}]' });
    assert.equal(r.status, 201);
    assert.deepEqual(await sqlQuery("select note from api.wr_items where name = 'mn1'"), [{ note: null }]);
  });

  test('?columns= with an unknown column → 400 PGRST204', async () => {
    const r = await request(gw(), 'POST', '/wr_items?columns=name,nope', { headers: json, body: '{"name":"x"}' });
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, 'PGRST204');
  });

  test('?columns= with a body PostgreSQL cannot read → 400, no row', async () => {
    const r = await request(gw(), 'POST', '/wr_items?columns=name', { headers: json, body: '[{"name":"broken"' });
    assert.equal(r.status, 400);
    assert.deepEqual(await sqlQuery("select 1 from api.wr_items where name = 'broken'"), []);
  });

  test('PATCH: 204 minimal, 200 representation, Content-Range and count=exact', async () => {
    await sqlQuery("insert into api.wr_items (name, qty) values ('p1', 1), ('p2', 1)");
    const minimal = await request(gw(), 'PATCH', '/wr_items?name=in.(p1,p2)', { headers: json, body: '{"qty":5}' });
    assert.equal(minimal.status, 204);
    assert.equal(minimal.headers.get('content-range'), '0-1/*');
    const rep = await request(gw(), 'PATCH', '/wr_items?name=eq.p1&select=name,qty', {
      headers: { ...json, Prefer: 'return=representation, count=exact' },
      body: '{"qty":6}',
    });
    assert.equal(rep.status, 200);
    assert.deepEqual(rep.json(), [{ name: 'p1', qty: 6 }]);
    assert.equal(rep.headers.get('content-range'), '0-0/1');
  });

  test('DELETE with a filter: 204, representation 200', async () => {
    await sqlQuery("insert into api.wr_items (name) values ('d1'), ('d2')");
    const rep = await request(gw(), 'DELETE', '/wr_items?name=eq.d1&select=name', { headers: { Prefer: 'return=representation' } });
    assert.equal(rep.status, 200);
    assert.deepEqual(rep.json(), [{ name: 'd1' }]);
    const minimal = await request(gw(), 'DELETE', '/wr_items?or=(name.eq.d2,name.eq.nothing)');
    assert.equal(minimal.status, 204);
    assert.deepEqual(await sqlQuery("select 1 from api.wr_items where name in ('d1','d2')"), []);
  });
});
