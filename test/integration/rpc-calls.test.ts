// RPC calls: POST with named arguments, GET with query arguments, defaults, overloads by
// argument names, and each result shape (scalar, composite, OUT record, SETOF, TABLE, void).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

describe('rpc: calls', () => {
  const gateway = suiteGateway();
  const post = (fn: string, body: unknown, headers: Record<string, string> = {}) =>
    request(gateway(), 'POST', `/rpc/${fn}`, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const get = (path: string, headers: Record<string, string> = {}) => request(gateway(), 'GET', `/rpc/${path}`, { headers });

  test('POST with named arguments returns a scalar as a JSON value', async () => {
    const r = await post('rpc_add', { a: 2, b: 3 });
    assert.deepEqual([r.status, r.json()], [200, 5]);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  });

  test('GET with query arguments for an immutable/stable function', async () => {
    const r = await get('rpc_add?a=40&b=2');
    assert.deepEqual([r.status, r.json()], [200, 42]);
    const g = await get('rpc_greet?name=Ada');
    assert.deepEqual([g.status, g.json()], [200, 'Hello, Ada']);
  });

  test('default arguments apply when a key is left out', async () => {
    assert.equal((await post('rpc_greet', { name: 'Ada' })).json(), 'Hello, Ada');
    assert.equal((await post('rpc_greet', { name: 'Ada', greeting: 'Hi' })).json(), 'Hi, Ada');
  });

  test('no arguments: an empty body or none at all', async () => {
    assert.equal((await post('rpc_noargs', {})).json(), 'no args');
    const r = await request(gateway(), 'POST', '/rpc/rpc_noargs');
    assert.deepEqual([r.status, r.json()], [200, 'no args']);
    assert.equal((await get('rpc_noargs')).json(), 'no args');
  });

  test('a null scalar is JSON null', async () => {
    const r = await post('rpc_now_null', {});
    assert.deepEqual([r.status, r.text], [200, 'null']);
  });

  test('a composite result is an object; OUT parameters too', async () => {
    assert.deepEqual((await post('rpc_pair', { a: 1, b: 'one' })).json(), { a: 1, b: 'one' });
    assert.deepEqual((await get('rpc_out?x=3')).json(), { doubled: 6, squared: 9 });
  });

  test('SETOF scalar and RETURNS TABLE are arrays', async () => {
    assert.deepEqual((await get('rpc_series?n=3')).json(), [1, 2, 3]);
    assert.deepEqual((await get('rpc_table?n=2')).json(), [
      { id: 1, label: 'row 1', even: false },
      { id: 2, label: 'row 2', even: true },
    ]);
  });

  test('SETOF a table type', async () => {
    const r = await post('rpc_people_from', { city_name: 'London' });
    assert.deepEqual((r.json() as { name: string }[]).map((p) => p.name).sort(), ['Ada', 'Alan']);
  });

  test('void answers 204 without a body, and the write commits', async () => {
    const note = `from a test ${Date.now()}`;
    const r = await post('rpc_log_note', { note });
    assert.deepEqual([r.status, r.text], [204, '']);
    const rows = await sqlQuery<{ n: string }>('SELECT count(*)::text AS n FROM api.rpc_log WHERE note = $1', [note]);
    assert.equal(rows[0]!.n, '1');
  });

  test('overloads are told apart by argument names', async () => {
    assert.equal((await post('rpc_over', { x: 1 })).json(), 'x');
    assert.equal((await post('rpc_over', { y: 'one' })).json(), 'y');
    assert.equal((await get('rpc_over?x=1&y=2')).json(), 'xy');
  });

  test('HEAD runs the call and sends no body', async () => {
    const r = await request(gateway(), 'HEAD', '/rpc/rpc_series?n=2');
    assert.deepEqual([r.status, r.text], [200, '']);
  });
});
