// Prefer: max-affected=N with handling=strict (PGRST124, and the write rolled back in the same
// round trip) and Prefer: tx=commit|rollback under each db-tx-end setting.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

const json = { 'Content-Type': 'application/json' };
const sumOf = async (grp: string): Promise<number> =>
  Number((await sqlQuery<{ s: string }>('select coalesce(sum(n), 0)::text as s from api.wr_bulk where grp = $1', [grp]))[0]!.s);

describe('max-affected', () => {
  const gw = suiteGateway();
  before(async () => {
    await sqlQuery("insert into api.wr_bulk (id, grp) select g, 'max' from generate_series(1, 5) g");
  });

  test('within the limit: applied and reported', async () => {
    const r = await request(gw(), 'PATCH', '/wr_bulk?grp=eq.max&id=lte.2', { headers: { ...json, Prefer: 'handling=strict, max-affected=2' }, body: '{"n":1}' });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('preference-applied'), 'handling=strict, max-affected=2');
    assert.equal(await sumOf('max'), 2);
  });

  test('beyond the limit: 400 PGRST124 and nothing changed (PATCH and DELETE)', async () => {
    const r = await request(gw(), 'PATCH', '/wr_bulk?grp=eq.max', { headers: { ...json, Prefer: 'handling=strict, max-affected=2' }, body: '{"n":10}' });
    assert.equal(r.status, 400);
    const e = r.json() as { code: string; details: string };
    assert.equal(e.code, 'PGRST124');
    assert.equal(e.details, 'The query affects 5 rows');
    assert.equal(await sumOf('max'), 2);
    const d = await request(gw(), 'DELETE', '/wr_bulk?grp=eq.max', { headers: { Prefer: 'handling=strict, max-affected=4' } });
    assert.equal(d.status, 400);
    assert.equal((await sqlQuery("select 1 from api.wr_bulk where grp = 'max'")).length, 5);
  });

  test('without handling=strict max-affected is ignored', async () => {
    const r = await request(gw(), 'PATCH', '/wr_bulk?grp=eq.max', { headers: { ...json, Prefer: 'max-affected=1' }, body: '{"n":3}' });
    assert.equal(r.status, 204);
    assert.equal(await sumOf('max'), 15);
  });
});

describe('tx under db-tx-end=commit-allow-override', () => {
  const gw = suiteGateway({ PGRST_DB_TX_END: 'commit-allow-override' });

  test('tx=rollback answers as usual but leaves nothing behind', async () => {
    const r = await request(gw(), 'POST', '/wr_bulk?select=id,grp', {
      headers: { ...json, Prefer: 'tx=rollback, return=representation' },
      body: '{"id":100,"grp":"tx"}',
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [{ id: 100, grp: 'tx' }]);
    assert.match(r.headers.get('preference-applied') ?? '', /tx=rollback/);
    assert.deepEqual(await sqlQuery('select 1 from api.wr_bulk where id = 100'), []);
  });

  test('an error under tx=rollback is still the error', async () => {
    await sqlQuery("insert into api.wr_bulk (id, grp) values (101, 'tx')");
    const r = await request(gw(), 'POST', '/wr_bulk', { headers: { ...json, Prefer: 'tx=rollback' }, body: '{"id":101,"grp":"tx"}' });
    assert.equal(r.status, 409);
    const ok = await request(gw(), 'GET', '/wr_bulk?id=eq.101&select=id');
    assert.equal(ok.status, 200, 'the connection is healthy afterwards');
  });

  test('no preference commits', async () => {
    const r = await request(gw(), 'PATCH', '/wr_bulk?id=eq.101', { headers: json, body: '{"n":7}' });
    assert.equal(r.status, 204);
    assert.equal(await sumOf('tx'), 7);
  });
});

describe('tx under db-tx-end=rollback', () => {
  const gw = suiteGateway({ PGRST_DB_TX_END: 'rollback' });

  test('every write rolls back; tx=commit is not honoured', async () => {
    const r = await request(gw(), 'DELETE', '/wr_bulk?id=eq.101', { headers: { Prefer: 'tx=commit' } });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('preference-applied'), null);
    assert.equal((await sqlQuery('select 1 from api.wr_bulk where id = 101')).length, 1);
  });
});

describe('tx under db-tx-end=rollback-allow-override', () => {
  const gw = suiteGateway({ PGRST_DB_TX_END: 'rollback-allow-override' });

  test('rolls back by default, commits with tx=commit', async () => {
    await request(gw(), 'PATCH', '/wr_bulk?id=eq.101', { headers: json, body: '{"n":8}' });
    assert.equal(await sumOf('tx'), 7);
    const r = await request(gw(), 'PATCH', '/wr_bulk?id=eq.101', { headers: { ...json, Prefer: 'tx=commit' }, body: '{"n":9}' });
    assert.equal(r.headers.get('preference-applied'), 'tx=commit');
    assert.equal(await sumOf('tx'), 9);
  });
});
