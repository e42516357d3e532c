// Responses driven by the database: response.headers (override Content-Type, repeated
// Set-Cookie) and response.status, 500 PGRST111/112 when they are malformed, and the RAISE
// forms — SQLSTATE 'PTxyz' → HTTP xyz, PostgREST's JSON 'PGRST' form, PGRST121 when unparsable.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('rpc: responses driven by the database', () => {
  const gateway = suiteGateway();
  const get = (fn: string) => request(gateway(), 'GET', `/rpc/${fn}`);

  test('response.headers and response.status set by the function', async () => {
    const r = await get('rpc_headers');
    assert.equal(r.status, 202);
    assert.equal(r.headers.get('x-custom'), 'yes');
    assert.equal(r.headers.get('content-type'), 'text/plain');
    assert.deepEqual(r.headers.getSetCookie(), ['a=1', 'b=2']);
    assert.equal(r.text, '"ok"');
  });

  test('a malformed response.headers → 500 PGRST111', async () => {
    const r = await get('rpc_bad_headers');
    assert.deepEqual([r.status, (r.json() as { code: string }).code], [500, 'PGRST111']);
    assert.equal((r.json() as { message: string }).message, 'response.headers guc must be a JSON array composed of objects with a single key and a string value');
  });

  test('a malformed response.status → 500 PGRST112', async () => {
    const r = await get('rpc_bad_status');
    assert.deepEqual(r.json(), { code: 'PGRST112', message: 'response.status guc must be a valid status code', details: null, hint: null });
    assert.equal(r.status, 500);
  });

  test("RAISE SQLSTATE 'PT402' → 402 with message, details and hint", async () => {
    const r = await get('rpc_raise_pt');
    assert.equal(r.status, 402);
    assert.deepEqual(r.json(), { code: 'PT402', message: 'Payment Required', details: 'Quota exceeded', hint: 'Upgrade your plan' });
  });

  test("RAISE SQLSTATE 'PGRST' with JSON MESSAGE and DETAIL → its status, headers and body", async () => {
    const r = await get('rpc_raise_custom');
    assert.equal(r.status, 402);
    assert.equal(r.headers.get('x-powered-by'), 'Nerd Rage');
    assert.deepEqual(r.json(), { code: '123', message: 'Payment Required', details: 'Quota exceeded', hint: 'Upgrade your plan' });
  });

  test("an unparsable 'PGRST' raise → 500 PGRST121", async () => {
    const r = await get('rpc_raise_custom_bad');
    assert.equal(r.status, 500);
    const body = r.json() as { code: string; message: string };
    assert.equal(body.code, 'PGRST121');
    assert.equal(body.message, `Could not parse JSON in the "RAISE SQLSTATE 'PGRST'" error`);
  });

  test('a plain RAISE EXCEPTION → 400 P0001 with its hint', async () => {
    const r = await get('rpc_raise');
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), { code: 'P0001', message: 'plain failure', details: null, hint: 'plain hint' });
  });
});
