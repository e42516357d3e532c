// Auth edge cases as PostgREST: a valid JWT without a role claim runs as the anonymous role
// and its denials answer as anonymous ones (401 with WWW-Authenticate, not 403); a
// `RAISE … USING ERRCODE = 'PTxyz'` whose xyz is no HTTP status (PT40A) answers 500.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, type JWTPayload } from 'jose';
import { JWT_SECRET, request, suiteGateway } from '../helpers/gateway.js';

const sign = (claims: JWTPayload): Promise<string> => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
const bearer = async (claims: JWTPayload): Promise<Record<string, string>> => ({ Authorization: `Bearer ${await sign(claims)}` });

describe('a JWT without a role claim', () => {
  const gw = suiteGateway();

  test('runs as the anonymous role, with its claims and the role it ran as', async () => {
    const r = await request(gw(), 'GET', '/rpc/txn_whoami', { headers: await bearer({ sub: 'alice' }) });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), { user: 'web_anon', claims: { sub: 'alice', role: 'web_anon' } });
  });

  test('is denied as anonymous: 401 with WWW-Authenticate, like no token at all', async () => {
    for (const headers of [await bearer({ sub: 'alice' }), await bearer({ role: 'web_anon' }), {}]) {
      const r = await request(gw(), 'GET', '/secrets', { headers });
      assert.equal(r.status, 401, r.text);
      assert.equal((r.json() as { code: string }).code, '42501');
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    }
  });

  test('a JWT with another role is denied as authenticated: 403 without WWW-Authenticate', async () => {
    const r = await request(gw(), 'GET', '/txn_colpriv?select=secret', { headers: await bearer({ role: 'test_user' }) });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.headers.get('www-authenticate'), null);
  });
});

describe('RAISE with a PT SQLSTATE', () => {
  const gw = suiteGateway();
  const raise = (code: string) => request(gw(), 'POST', '/rpc/txn_raise', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code }) });

  test('a numeric status is the response status', async () => {
    const r = await raise('PT418');
    assert.equal(r.status, 418);
    assert.deepEqual(r.json(), { code: 'PT418', details: null, hint: null, message: 'raised with PT418' });
  });

  test('a non-numeric one (PT40A) or one outside 100..599 is 500 with the error body', async () => {
    for (const code of ['PT40A', 'PTXYZ', 'PT099', 'PT600']) {
      const r = await raise(code);
      assert.equal(r.status, 500, `${code}: ${r.text}`);
      assert.deepEqual(r.json(), { code, details: null, hint: null, message: `raised with ${code}` });
    }
  });
});
