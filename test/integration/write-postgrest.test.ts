// Writes exactly as PostgREST (issue 17): PATCH with an array body, order= on the
// representation, computed fields in a write's select, upserts of [] and on keyless tables,
// PUT with an array, composite view keys in Location, domain defaults for missing=default.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

const json = { 'content-type': 'application/json' };
const rep = { ...json, Prefer: 'return=representation' };

describe('writes as PostgREST', () => {
  const gw = suiteGateway();

  test('PATCH with an array body sets the values of its first element', async () => {
    const r = await request(gw(), 'PATCH', '/w66_items?id=eq.1', { headers: rep, body: '[{"label": "uno"}, {"label": "ignored"}]' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 1, label: 'uno' }]);
    const empty = await request(gw(), 'PATCH', '/w66_items?id=eq.1', { headers: rep, body: '[]' });
    assert.equal(empty.status, 200, empty.text);
    assert.deepEqual(empty.json(), []);
    assert.deepEqual(await sqlQuery('select label from api.w66_items where id = 1'), [{ label: 'uno' }]);
  });

  test('order= orders the representation of every write', async () => {
    const patched = await request(gw(), 'PATCH', '/w66_items?id=in.(2,3)&order=id.desc&select=id', { headers: rep, body: '{"label": "x"}' });
    assert.deepEqual(patched.json(), [{ id: 3 }, { id: 2 }]);
    const inserted = await request(gw(), 'POST', '/w66_items?order=id.desc&select=id', { headers: rep, body: '[{"id": 10, "label": "a"}, {"id": 11, "label": "b"}]' });
    assert.deepEqual(inserted.json(), [{ id: 11 }, { id: 10 }]);
    const deleted = await request(gw(), 'DELETE', '/w66_items?id=in.(10,11)&order=id.asc&select=id', { headers: rep });
    assert.deepEqual(deleted.json(), [{ id: 10 }, { id: 11 }]);
  });

  test('a computed field in the select of a write, and of an empty PATCH', async () => {
    const r = await request(gw(), 'PATCH', '/w66_items?id=eq.2&select=id,w66_shout', { headers: rep, body: '{"label": "two"}' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 2, w66_shout: 'TWO' }]);
    const none = await request(gw(), 'PATCH', '/w66_items?select=id,w66_shout', { headers: rep, body: '{}' });
    assert.equal(none.status, 200, none.text);
    assert.deepEqual(none.json(), []);
    const bogus = await request(gw(), 'POST', '/w66_items?select=id,no_such_field', { headers: rep, body: '{"id": 20, "label": "z"}' });
    assert.equal(bogus.status, 400, bogus.text);
    assert.deepEqual(await sqlQuery('select 1 from api.w66_items where id = 20'), []);
  });

  test('an upsert of [] answers 200 [] (merge) and 201 [] (ignore)', async () => {
    const merge = await request(gw(), 'POST', '/w66_items', { headers: { ...rep, Prefer: 'return=representation, resolution=merge-duplicates' }, body: '[]' });
    assert.equal(merge.status, 200, merge.text);
    assert.deepEqual(merge.json(), []);
    const ignore = await request(gw(), 'POST', '/w66_items', { headers: { ...rep, Prefer: 'return=representation, resolution=ignore-duplicates' }, body: '[]' });
    assert.equal(ignore.status, 201, ignore.text);
    assert.deepEqual(ignore.json(), []);
  });

  test('a table without a key: the resolution is ignored and the rows inserted', async () => {
    const r = await request(gw(), 'POST', '/w66_nokey', { headers: { ...rep, Prefer: 'return=representation, resolution=merge-duplicates' }, body: '{"a": 1, "b": "x"}' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [{ a: 1, b: 'x' }]);
    assert.equal(r.headers.get('preference-applied'), 'return=representation');
  });

  test('PUT with an array writes the element matching the URL key; none matching → PGRST115, nothing written', async () => {
    const r = await request(gw(), 'PUT', '/w66_items?id=eq.30', {
      headers: { ...rep, Accept: 'application/vnd.pgrst.object+json' },
      body: '[{"id": 30, "label": "thirty"}, {"id": 31, "label": "other"}]',
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), { id: 30, label: 'thirty' });
    const miss = await request(gw(), 'PUT', '/w66_items?id=eq.32', { headers: rep, body: '[{"id": 33, "label": "no"}]' });
    assert.equal(miss.status, 400);
    assert.equal((miss.json() as { code: string }).code, 'PGRST115');
    const noKey = await request(gw(), 'PUT', '/w66_items?id=eq.34', { headers: rep, body: '{}' });
    assert.equal(noKey.status, 400, noKey.text);
    assert.equal((noKey.json() as { code: string }).code, 'PGRST115');
    assert.deepEqual(await sqlQuery('select id from api.w66_items where id >= 30 order by id'), [{ id: 30 }]);
  });

  test('a join view gets the keys of both sources: Location names both (is.null for a null key)', async () => {
    const r = await request(gw(), 'POST', '/w66_pairs', { headers: { ...json, Prefer: 'return=headers-only' }, body: '{"id": 1}' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), '/w66_pairs?id=eq.1&sponsor_id=is.null');
  });

  test('missing=default takes a domain DEFAULT', async () => {
    const r = await request(gw(), 'POST', '/w66_devils?columns=id,name', { headers: { ...rep, Prefer: 'return=representation, missing=default' }, body: '{"name": "Lu"}' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [{ id: 666, name: 'Lu' }]);
  });
});
