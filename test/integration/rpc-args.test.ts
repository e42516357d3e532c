// RPC arguments beyond plain scalars: arrays (`{1,2,3}` in GET, JSON arrays in POST), variadic
// (a JSON array, or a repeated query parameter), a single unnamed json parameter taking the
// whole body, and function SET clauses named in db-hoisted-tx-settings.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('rpc: arguments', () => {
  const gateway = suiteGateway();
  const post = (fn: string, body: unknown) =>
    request(gateway(), 'POST', `/rpc/${fn}`, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const get = (path: string) => request(gateway(), 'GET', `/rpc/${path}`);

  test('array arguments: {1,2,3} in GET, a JSON array in POST', async () => {
    assert.deepEqual((await get('rpc_sum?nums=%7B1,2,3%7D')).json(), 6);
    assert.deepEqual((await post('rpc_sum', { nums: [4, 5] })).json(), 9);
  });

  test('variadic: a JSON array, a repeated query parameter, or one value', async () => {
    assert.equal((await post('rpc_concat', { parts: ['a', 'b', 'c'] })).json(), 'a-b-c');
    assert.equal((await get('rpc_concat?parts=x&parts=y')).json(), 'x-y');
    assert.equal((await get('rpc_concat?parts=solo')).json(), 'solo');
  });

  test('a single unnamed json parameter receives the whole body', async () => {
    assert.deepEqual((await post('rpc_echo', { any: 'thing', n: 1 })).json(), { any: 'thing', n: 1 });
  });

  test('text/plain and application/octet-stream bodies reach a single unnamed text/bytea parameter', async () => {
    const t = await request(gateway(), 'POST', '/rpc/rpc_upper', { body: 'shout', headers: { 'content-type': 'text/plain' } });
    assert.deepEqual([t.status, t.json()], [200, 'SHOUT']);
    const b = await request(gateway(), 'POST', '/rpc/rpc_bytes', { body: 'four', headers: { 'content-type': 'application/octet-stream' } });
    assert.deepEqual([b.status, b.json()], [200, 4]);
  });

  test('a hoisted SET clause applies to the whole transaction', async () => {
    assert.equal((await get('rpc_timeout')).json(), '4321ms');
    const r = await get('rpc_sleep');
    assert.equal(r.status, 500);
    assert.equal((r.json() as { code: string }).code, '57014');
  });
});
