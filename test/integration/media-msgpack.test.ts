// Beyond PostgREST: application/msgpack responses (the JSON PostgreSQL built, packed) and
// request bodies (unpacked into the JSON parameter) for reads, writes and RPC; errors stay JSON.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pack, unpack } from 'msgpackr';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

describe('application/msgpack', () => {
  const gateway = suiteGateway();

  async function send(method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Promise<{ status: number; type: string | null; body: Buffer }> {
    const res = await fetch(`http://127.0.0.1:${gateway().port}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
  }

  test('a read answers msgpack with the same data as JSON', async () => {
    const r = await send('GET', '/directors?order=id&id=lte.2', { accept: 'application/msgpack' });
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/msgpack');
    const json = await request(gateway(), 'GET', '/directors?order=id&id=lte.2');
    assert.deepEqual(unpack(r.body), json.json());
  });

  test('RPC results and singular objects', async () => {
    const scalar = await send('GET', '/rpc/rpc_add?a=2&b=5', { accept: 'application/msgpack' });
    assert.equal(unpack(scalar.body), 7);
    const set = await send('GET', '/rpc/rpc_table?n=2', { accept: 'application/msgpack' });
    assert.deepEqual(unpack(set.body), [
      { id: 1, label: 'row 1', even: false },
      { id: 2, label: 'row 2', even: true },
    ]);
  });

  test('a msgpack body inserts rows; bytes become bytea and large integers survive', async () => {
    const body = pack([{ id: 9101, note: 'packed', data: Buffer.from([1, 2, 255]), n: 2n ** 40n }]);
    const r = await send('POST', '/media_log', { 'content-type': 'application/msgpack', accept: 'application/msgpack', prefer: 'return=representation' }, body);
    assert.equal(r.status, 201);
    assert.equal(r.type, 'application/msgpack');
    assert.deepEqual(unpack(r.body), [{ id: 9101, note: 'packed', data: '\\x0102ff', n: 2 ** 40 }]);
    const rows = await sqlQuery<{ data: Buffer; n: string }>('SELECT data, n FROM api.media_log WHERE id = 9101');
    assert.deepEqual([...rows[0]!.data], [1, 2, 255]);
    assert.equal(rows[0]!.n, String(2 ** 40));
  });

  test('a msgpack body carries RPC arguments and PATCH values', async () => {
    const r = await send('POST', '/rpc/media_echo', { 'content-type': 'application/msgpack; charset=binary' }, pack({ note: 'hi', n: 3 }));
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(r.body.toString('utf8')), { note: 'hi', n: 3 });
    const patch = await send('PATCH', '/media_log?id=eq.9101', { 'content-type': 'application/msgpack' }, pack({ note: 'patched' }));
    assert.equal(patch.status, 204);
    assert.deepEqual(await sqlQuery('SELECT note FROM api.media_log WHERE id = 9101'), [{ note: 'patched' }]);
  });

  test('a broken or empty msgpack body is 400 PGRST102', async () => {
    for (const body of [Buffer.from([0x92, 0x01]), Buffer.alloc(0)]) {
      const r = await send('POST', '/media_log', { 'content-type': 'application/msgpack' }, body);
      assert.equal(r.status, 400);
      const err = JSON.parse(r.body.toString('utf8')) as { code: string; message: string };
      assert.equal(err.code, 'PGRST102');
      assert.equal(err.message, 'Invalid msgpack body');
    }
  });

  test('errors stay JSON even when msgpack was asked for', async () => {
    const r = await send('GET', '/nope', { accept: 'application/msgpack' });
    assert.equal(r.status, 404);
    assert.equal(r.type, 'application/json; charset=utf-8');
    const bad = await send('GET', '/directors?id=eq.abc', { accept: 'application/msgpack' });
    assert.equal(bad.status, 400);
    assert.equal(bad.type, 'application/json; charset=utf-8');
    assert.equal((JSON.parse(bad.body.toString('utf8')) as { code: string }).code, '22P02');
  });

  test('HEAD with msgpack has no body', async () => {
    const r = await send('HEAD', '/directors', { accept: 'application/msgpack' });
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 0);
  });
});
