// Upserts: POST with Prefer: resolution=merge-duplicates|ignore-duplicates and ?on_conflict=
// (201 when a row was inserted, else 200), and PUT's single-row upsert with its PGRST105,
// PGRST114 and PGRST115 errors — each leaving the table as it was on failure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

const json = { 'Content-Type': 'application/json' };
const codeOf = (text: string): string => (JSON.parse(text) as { code: string }).code;
const labels = async (): Promise<{ id: number; code: string | null; label: string | null }[]> =>
  sqlQuery('select id, code, label from api.wr_upsert order by id');

describe('upsert', () => {
  const gw = suiteGateway();

  test('merge-duplicates: inserts new rows (201), then updates them (200)', async () => {
    const rows = [{ id: 1, code: 'a', label: 'one' }, { id: 2, code: 'b', label: 'two' }];
    const first = await request(gw(), 'POST', '/wr_upsert', { headers: { ...json, Prefer: 'resolution=merge-duplicates' }, body: JSON.stringify(rows) });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get('preference-applied'), 'resolution=merge-duplicates');
    const again = await request(gw(), 'POST', '/wr_upsert', {
      headers: { ...json, Prefer: 'resolution=merge-duplicates, return=representation' },
      body: JSON.stringify([{ id: 1, code: 'a', label: 'uno' }]),
    });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.json(), [{ id: 1, code: 'a', label: 'uno' }]);
    assert.deepEqual(await labels(), [{ id: 1, code: 'a', label: 'uno' }, { id: 2, code: 'b', label: 'two' }]);
  });

  test('ignore-duplicates keeps existing rows; always 201 (only merge-duplicates drops to 200)', async () => {
    const dup = await request(gw(), 'POST', '/wr_upsert', { headers: { ...json, Prefer: 'resolution=ignore-duplicates' }, body: '{"id":2,"code":"b","label":"changed"}' });
    assert.equal(dup.status, 201);
    const mixed = await request(gw(), 'POST', '/wr_upsert', {
      headers: { ...json, Prefer: 'resolution=ignore-duplicates, return=representation' },
      body: '[{"id":2,"code":"b","label":"changed"},{"id":3,"code":"c","label":"three"}]',
    });
    assert.equal(mixed.status, 201);
    assert.deepEqual(mixed.json(), [{ id: 3, code: 'c', label: 'three' }]);
    assert.equal((await labels()).find((r) => r.id === 2)?.label, 'two');
  });

  test('?on_conflict= uses a unique column instead of the key', async () => {
    const r = await request(gw(), 'POST', '/wr_upsert?on_conflict=code', {
      headers: { ...json, Prefer: 'resolution=merge-duplicates' },
      body: '{"id":3,"code":"c","label":"drei"}',
    });
    assert.equal(r.status, 200, r.text);
    assert.equal((await labels()).find((x) => x.id === 3)?.label, 'drei');
    const bad = await request(gw(), 'POST', '/wr_upsert?on_conflict=nope', { headers: { ...json, Prefer: 'resolution=merge-duplicates' }, body: '{"id":9}' });
    assert.equal(bad.status, 400);
    assert.equal(codeOf(bad.text), 'PGRST204');
  });

  test('a duplicate key without resolution → 409 23505, nothing written', async () => {
    const r = await request(gw(), 'POST', '/wr_upsert', { headers: json, body: '[{"id":50,"code":"new"},{"id":1,"code":"x"}]' });
    assert.equal(r.status, 409);
    assert.equal(codeOf(r.text), '23505');
    assert.deepEqual(await sqlQuery('select 1 from api.wr_upsert where id = 50'), []);
  });

  test('PUT inserts then replaces: 204, or 201/200 with representation', async () => {
    const created = await request(gw(), 'PUT', '/wr_upsert?id=eq.10', { headers: json, body: '{"id":10,"code":"p","label":"put"}' });
    assert.equal(created.status, 204, created.text);
    const put = await request(gw(), 'PUT', '/wr_upsert?id=eq.13', { headers: { ...json, Prefer: 'return=representation' }, body: '{"id":13,"code":"q","label":"new"}' });
    assert.equal(put.status, 201, put.text);
    assert.equal(put.headers.get('content-range'), null);
    const replaced = await request(gw(), 'PUT', '/wr_upsert?id=eq.10', { headers: json, body: '{"id":10,"code":"p","label":"again"}' });
    assert.equal(replaced.status, 204);
    const rep = await request(gw(), 'PUT', '/wr_upsert?id=eq.10', { headers: { ...json, Prefer: 'return=representation' }, body: '{"id":10,"code":"p","label":"rep"}' });
    assert.equal(rep.status, 200);
    assert.deepEqual(rep.json(), [{ id: 10, code: 'p', label: 'rep' }]);
  });

  test('PUT filters must be eq on every key column → 405 PGRST105', async () => {
    for (const q of ['', 'id=gt.10', 'id=eq.10&code=eq.p', 'code=eq.p', 'id=not.eq.10']) {
      const r = await request(gw(), 'PUT', `/wr_upsert?${q}`, { headers: json, body: '{"id":10}' });
      assert.equal(r.status, 405, q);
      assert.equal(codeOf(r.text), 'PGRST105', q);
    }
  });

  test('PUT with limit/offset → 400 PGRST114', async () => {
    const r = await request(gw(), 'PUT', '/wr_upsert?id=eq.10&limit=1', { headers: json, body: '{"id":10}' });
    assert.equal(r.status, 400);
    assert.equal(codeOf(r.text), 'PGRST114');
  });

  test('PUT body key differing from the URL → 400 PGRST115, nothing written', async () => {
    const r = await request(gw(), 'PUT', '/wr_upsert?id=eq.11', { headers: json, body: '{"id":12,"label":"mismatch"}' });
    assert.equal(r.status, 400, r.text);
    assert.equal(codeOf(r.text), 'PGRST115');
    const missing = await request(gw(), 'PUT', '/wr_upsert?id=eq.11', { headers: json, body: '{"label":"no key"}' });
    assert.equal(codeOf(missing.text), 'PGRST115');
    assert.deepEqual(await sqlQuery('select 1 from api.wr_upsert where id in (11, 12)'), []);
  });
});
