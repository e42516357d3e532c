// Read API, representations: application/json, text/csv, vnd.pgrst.object (406 PGRST116
// unless one row), vnd.pgrst.array/object with nulls=stripped, */*, q-values, 406 PGRST107.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

describe('read: media types', () => {
  const gateway = suiteGateway();

  const get = (path: string, accept: string) => request(gateway(), 'GET', path, { headers: { accept } });

  test('application/json and */* give a JSON array', async () => {
    for (const accept of ['application/json', '*/*', 'application/*', 'text/html, */*;q=0.1']) {
      const r = await get('/directors?select=id&order=id', accept);
      assert.equal(r.status, 200, accept);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8', accept);
      assert.deepEqual(r.json(), [{ id: 1 }, { id: 2 }, { id: 3 }], accept);
    }
  });

  test('text/csv: a header row, then rows in record text form', async () => {
    const r = await get('/films?select=id,title,year&order=id&id=lte.3', 'text/csv');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(r.text, 'id,title,year\n1,Rashomon,1950\n2,"Seven Samurai",1954\n3,"Cléo from 5 to 7",1962');
    const nulls = await get('/films?select=id,year&id=eq.5', 'text/csv');
    assert.equal(nulls.text, 'id,year\n5,');
    const empty = await get('/films?select=id&id=eq.99', 'text/csv');
    assert.equal(empty.status, 200);
    assert.equal(empty.text, '\n');
  });

  test('vnd.pgrst.object+json: exactly one row as an object', async () => {
    const r = await get('/directors?id=eq.2&select=id,name', 'application/vnd.pgrst.object+json');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/vnd.pgrst.object+json; charset=utf-8');
    assert.deepEqual(r.json(), { id: 2, name: 'Agnès Varda' });
    const short = await get('/directors?id=eq.2&select=id', 'application/vnd.pgrst.object');
    assert.deepEqual(short.json(), { id: 2 });
  });

  test('vnd.pgrst.object with zero or many rows → 406 PGRST116', async () => {
    for (const [query, n] of [['id=eq.99', 0], ['id=lt.3', 2]] as const) {
      const r = await get(`/directors?${query}`, 'application/vnd.pgrst.object+json');
      assert.equal(r.status, 406, query);
      assert.deepEqual(r.json(), {
        code: 'PGRST116',
        message: 'Cannot coerce the result to a single JSON object',
        details: `The result contains ${n} rows`,
        hint: null,
      });
    }
  });

  test('nulls=stripped on vnd.pgrst.object and vnd.pgrst.array', async () => {
    const obj = await get('/directors?id=eq.3', 'application/vnd.pgrst.object+json;nulls=stripped');
    assert.equal(obj.status, 200);
    assert.equal(obj.headers.get('content-type'), 'application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8');
    assert.deepEqual(obj.json(), { id: 3, name: 'Hayao Miyazaki' });
    const arr = await get('/directors?order=id&id=gte.2', 'application/vnd.pgrst.array+json;nulls=stripped');
    assert.equal(arr.headers.get('content-type'), 'application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8');
    assert.deepEqual(arr.json(), [{ id: 2, name: 'Agnès Varda', born: '1928-05-30' }, { id: 3, name: 'Hayao Miyazaki' }]);
    const plain = await get('/directors?id=eq.3', 'application/vnd.pgrst.array+json');
    assert.deepEqual(plain.json(), [{ id: 3, name: 'Hayao Miyazaki', born: null }]);
  });

  test('q-values pick the preferred producible type', async () => {
    const csv = await get('/directors?select=id&id=eq.1', 'application/json;q=0.5, text/csv');
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    const json = await get('/directors?select=id&id=eq.1', 'text/csv;q=0.2, application/json;q=0.9');
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
    const refused = await get('/directors?select=id&id=eq.1', 'text/csv;q=0, application/json');
    assert.equal(refused.headers.get('content-type'), 'application/json; charset=utf-8');
  });

  test('nothing producible → 406 PGRST107', async () => {
    const r = await get('/directors', 'text/html, application/xml');
    assert.equal(r.status, 406);
    assert.deepEqual(r.json(), {
      code: 'PGRST107',
      message: 'None of these media types are available: text/html, application/xml',
      details: null,
      hint: null,
    });
  });

  test('representations of writes follow Accept too', async () => {
    const r = await request(gateway(), 'POST', '/items', {
      body: JSON.stringify({ id: 9401, label: 'media test' }),
      headers: { 'content-type': 'application/json', prefer: 'return=representation', accept: 'application/vnd.pgrst.object+json' },
    });
    assert.equal(r.status, 201);
    assert.deepEqual(r.json(), { id: 9401, label: 'media test', person_id: null });
    const csv = await request(gateway(), 'PATCH', '/items?id=eq.9401&select=id,label', {
      body: JSON.stringify({ label: 'as csv' }),
      headers: { 'content-type': 'application/json', prefer: 'return=representation', accept: 'text/csv' },
    });
    assert.equal(csv.status, 200);
    assert.equal(csv.text, 'id,label\n9401,"as csv"');
    await request(gateway(), 'DELETE', '/items?id=eq.9401');
  });

  test('a singular write of zero or many rows is 406 PGRST116 and rolled back', async () => {
    const headers = { 'content-type': 'application/json', prefer: 'return=representation', accept: 'application/vnd.pgrst.object+json' };
    const two = await request(gateway(), 'POST', '/items', {
      body: JSON.stringify([{ id: 9402, label: 'a' }, { id: 9403, label: 'b' }]),
      headers,
    });
    assert.equal(two.status, 406);
    assert.deepEqual(two.json(), {
      code: 'PGRST116',
      message: 'Cannot coerce the result to a single JSON object',
      details: 'The result contains 2 rows',
      hint: null,
    });
    assert.deepEqual(await sqlQuery('SELECT id FROM api.items WHERE id IN (9402, 9403)'), []);
    const none = await request(gateway(), 'PATCH', '/items?id=eq.9499', { body: JSON.stringify({ label: 'x' }), headers });
    assert.equal(none.status, 406);
    assert.equal((none.json() as { details: string }).details, 'The result contains 0 rows');
  });
});
