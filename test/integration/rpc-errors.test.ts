// RPC error paths: unknown function 404 PGRST202 (with PostgREST's texts and hint), ambiguous
// overload 300 PGRST203, bad argument values 400, PUT/PATCH/DELETE 405 PGRST101, and a
// volatile function through GET refused by the read-only transaction (405).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('rpc: errors', () => {
  const gateway = suiteGateway();
  const post = (fn: string, body: unknown) =>
    request(gateway(), 'POST', `/rpc/${fn}`, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  test('unknown function → 404 PGRST202 with PostgREST message, details and hint', async () => {
    const r = await post('rpc_ad', { b: 1, a: 2 });
    assert.equal(r.status, 404);
    assert.deepEqual(r.json(), {
      code: 'PGRST202',
      message: 'Could not find the function api.rpc_ad(a, b) in the schema cache',
      details: 'Searched for the function api.rpc_ad with parameters a, b or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function api.rpc_add',
    });
  });

  test('known function, wrong argument names → PGRST202 naming the existing signature', async () => {
    const r = await post('rpc_add', { a: 1 });
    assert.equal(r.status, 404);
    const body = r.json() as { code: string; message: string; hint: string };
    assert.equal(body.code, 'PGRST202');
    assert.equal(body.message, 'Could not find the function api.rpc_add(a) in the schema cache');
    assert.equal(body.hint, 'Perhaps you meant to call the function api.rpc_add(a, b)');
  });

  test('no arguments given → "without parameters"', async () => {
    const r = await post('rpc_nothing_here', {});
    assert.equal(r.status, 404);
    assert.equal((r.json() as { message: string }).message, 'Could not find the function api.rpc_nothing_here without parameters in the schema cache');
  });

  test('ambiguous overload → 300 PGRST203', async () => {
    const r = await post('rpc_ambiguous', { v: 1 });
    assert.equal(r.status, 300);
    const body = r.json() as { code: string; message: string; hint: string };
    assert.equal(body.code, 'PGRST203');
    assert.equal(body.message, 'Could not choose the best candidate function between: api.rpc_ambiguous(v => integer), api.rpc_ambiguous(v => text)');
    assert.equal(body.hint, 'Try renaming the parameters or the function itself in the database so function overloading can be resolved');
  });

  test('a bad argument value → 400 with the PostgreSQL error', async () => {
    const r = await request(gateway(), 'GET', '/rpc/rpc_add?a=one&b=2');
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, '22P02');
  });

  test('methods other than GET/POST/HEAD/OPTIONS → 405 PGRST101', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const r = await request(gateway(), method, '/rpc/rpc_add', { body: '{}' });
      assert.equal(r.status, 405, method);
      assert.equal((r.json() as { code: string }).code, 'PGRST101', method);
    }
  });

  test('a volatile function that writes, called through GET → 405 (read-only transaction)', async () => {
    const r = await request(gateway(), 'GET', '/rpc/rpc_volatile_write');
    assert.equal(r.status, 405);
    assert.equal((r.json() as { code: string }).code, '25006');
    const ok = await post('rpc_volatile_write', {});
    assert.equal(ok.status, 200);
  });

  test('an invalid JSON body → 400 PGRST102', async () => {
    const r = await request(gateway(), 'POST', '/rpc/rpc_add', { body: '{nope', headers: { 'content-type': 'application/json' } });
    assert.deepEqual([r.status, (r.json() as { code: string }).code], [400, 'PGRST102']);
  });
});
