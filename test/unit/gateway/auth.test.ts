// Unit tests for gateway/auth.ts with HMAC secrets: PostgREST's exact messages and headers for
// every refusal, the 30 s skew on exp/nbf/iat, jwt-aud, the startup checks on the secret, the
// verified-token cache (bounded, expiry re-checked on every request), and jwt-role-claim-key
// paths (gateway/role-claim.ts, v16 JSONPath subset and legacy JSPath), table-driven.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactSign, SignJWT, type JWTPayload } from 'jose';
import { Authenticator, extractToken, type AuthOutcome } from '../../../gateway/auth.js';
import { ConfigError, loadConfig } from '../../../gateway/config.js';
import { parseRoleClaimKey, roleFromClaims } from '../../../gateway/role-claim.js';
import { applyConfig, type AppState } from '../../../gateway/state.js';

const SECRET = 'reallyreallyreallyreallyverysafe';
const NOW = 1_800_000_000;

function authenticator(env: Record<string, string> = {}): Authenticator {
  return new Authenticator(loadConfig({ env: { PGRST_JWT_SECRET: SECRET, PGRST_DB_ANON_ROLE: 'web_anon', ...env } }));
}

async function hs(payload: JWTPayload, secret = SECRET, alg = 'HS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

function refused(o: AuthOutcome, code: string, message: string, details: string | null = null): void {
  assert.equal(o.ok, false, 'expected a refusal');
  if (o.ok) return;
  assert.equal(o.error.status, code === 'PGRST300' ? 500 : 401);
  assert.equal(o.error.code, code);
  assert.equal(o.error.message, message);
  assert.equal(o.error.details, details);
  if (code === 'PGRST301' || code === 'PGRST303') {
    assert.equal(o.header, `Bearer error="invalid_token", error_description="${message}"`);
  }
}

function role(o: AuthOutcome): string {
  assert.ok(o.ok, o.ok ? '' : o.error.message);
  return o.ok ? o.auth.role : '';
}

describe('Authenticator with an HMAC secret', () => {
  test('a valid HS256/384/512 token gives its role and claims (role included)', async () => {
    const a = authenticator();
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      const o = await a.authenticate(await hs({ role: 'web_user', user_id: 'alice' }, SECRET, alg), NOW);
      assert.equal(role(o), 'web_user');
      if (o.ok) assert.deepEqual(JSON.parse(o.auth.claims), { role: 'web_user', user_id: 'alice' });
    }
  });

  test('no token → the anonymous role; no anonymous role → PGRST302 with a bare Bearer challenge', async () => {
    const o = await authenticator().authenticate(null, NOW);
    assert.equal(role(o), 'web_anon');
    if (o.ok) assert.equal(o.auth.authenticated, false);
    const none = new Authenticator(loadConfig({ env: { PGRST_JWT_SECRET: SECRET } }));
    const r = await none.authenticate(null, NOW);
    refused(r, 'PGRST302', 'Anonymous access is disabled');
    if (!r.ok) assert.equal(r.header, 'Bearer');
    // A token without a role claim falls back to the anonymous role too.
    refused(await none.authenticate(await hs({ sub: 'x' }), NOW), 'PGRST302', 'Anonymous access is disabled');
  });

  test('a valid token without a role claim runs as the anonymous role, and counts as anonymous (42501 → 401)', async () => {
    const a = authenticator();
    const o = await a.authenticate(await hs({ sub: 'alice' }), NOW);
    assert.ok(o.ok && !o.auth.authenticated);
    assert.deepEqual(JSON.parse(o.auth.claims), { sub: 'alice', role: 'web_anon' });
    // As PostgREST (authed = role /= db-anon-role): naming the anonymous role is anonymous too.
    const named = await a.authenticate(await hs({ role: 'web_anon' }), NOW);
    assert.ok(named.ok && !named.auth.authenticated);
    const other = await a.authenticate(await hs({ role: 'web_user' }), NOW);
    assert.ok(other.ok && other.auth.authenticated);
  });

  test('exp, nbf and iat allow 30 s of skew and no more', async () => {
    const a = authenticator();
    assert.equal(role(await a.authenticate(await hs({ role: 'r', exp: NOW - 25 }), NOW)), 'r');
    refused(await a.authenticate(await hs({ role: 'r', exp: NOW - 35 }), NOW), 'PGRST303', 'JWT expired');
    assert.equal(role(await a.authenticate(await hs({ role: 'r', nbf: NOW + 25 }), NOW)), 'r');
    refused(await a.authenticate(await hs({ role: 'r', nbf: NOW + 35 }), NOW), 'PGRST303', 'JWT not yet valid');
    refused(await a.authenticate(await hs({ role: 'r', iat: NOW + 35 }), NOW), 'PGRST303', 'JWT issued at future');
    const badExp = await new SignJWT({ role: 'r', exp: 'soon' } as unknown as JWTPayload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    refused(await a.authenticate(badExp, NOW), 'PGRST303', "The JWT 'exp' claim must be a number");
  });

  test('jwt-aud: a string or any element of an array must match; absent aud passes', async () => {
    const a = authenticator({ PGRST_JWT_AUD: 'my-api' });
    assert.equal(role(await a.authenticate(await hs({ role: 'r', aud: 'my-api' }), NOW)), 'r');
    assert.equal(role(await a.authenticate(await hs({ role: 'r', aud: ['x', 'my-api'] }), NOW)), 'r');
    assert.equal(role(await a.authenticate(await hs({ role: 'r' }), NOW)), 'r');
    refused(await a.authenticate(await hs({ role: 'r', aud: 'other' }), NOW), 'PGRST303', 'JWT not in audience');
    refused(await a.authenticate(await hs({ role: 'r', aud: 7 } as unknown as JWTPayload), NOW), 'PGRST303', "The JWT 'aud' claim must be a string or an array of strings");
  });

  test('wrong signature, alg none, malformed and empty tokens → PGRST301 with PostgREST messages', async () => {
    const a = authenticator();
    refused(await a.authenticate(await hs({ role: 'r' }, 'another-secret-that-is-long-enough!!'), NOW), 'PGRST301', 'No suitable key or wrong key type', 'None of the keys was able to decode the JWT');
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ role: 'postgres' })}.`;
    refused(await a.authenticate(none, NOW), 'PGRST301', 'Wrong or unsupported encoding algorithm', "JWT is unsecured but expected 'alg' was not 'none'");
    refused(await a.authenticate('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.bm90IGFuIG9iamVjdA', NOW), 'PGRST301', 'Expected 3 parts in JWT; got 2');
    refused(await a.authenticate('quifquirndsjagnrgniur.fonvoienqhhdj.iuqvnvhojah', NOW), 'PGRST301', 'JWT cryptographic operation failed');
    refused(await a.authenticate('', NOW), 'PGRST301', 'Empty JWT is sent in Authorization header');
    const notObject = await new CompactSign(new TextEncoder().encode('[1,2]')).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    refused(await a.authenticate(notObject, NOW), 'PGRST303', 'Parsing claims failed');
  });

  test('a token with no key configured → 500 PGRST300', async () => {
    const a = new Authenticator(loadConfig({ env: { PGRST_DB_ANON_ROLE: 'web_anon' } }));
    const o = await a.authenticate(await hs({ role: 'r' }), NOW);
    refused(o, 'PGRST300', 'Server lacks JWT secret');
    if (!o.ok) assert.equal(o.header, null);
  });

  test('startup refuses a secret shorter than 32 characters; base64 secrets are decoded', async () => {
    assert.throws(() => authenticator({ PGRST_JWT_SECRET: 'short' }), ConfigError);
    const raw = 'x'.repeat(40);
    const a = authenticator({ PGRST_JWT_SECRET: Buffer.from(raw).toString('base64'), PGRST_JWT_SECRET_IS_BASE64: 'true' });
    assert.equal(role(await a.authenticate(await hs({ role: 'b64' }, raw), NOW)), 'b64');
  });

  test('the cache keeps verified tokens, re-checks expiry each request, and is bounded', async () => {
    const a = authenticator({ PGRST_JWT_CACHE_MAX_ENTRIES: '2' });
    const t = await hs({ role: 'r', exp: NOW + 60 });
    assert.equal(role(await a.authenticate(t, NOW)), 'r');
    assert.equal(a.cacheSize, 1);
    assert.equal(role(await a.authenticate(t, NOW + 60)), 'r');
    refused(await a.authenticate(t, NOW + 100), 'PGRST303', 'JWT expired');
    await a.authenticate(await hs({ role: 'r2' }), NOW);
    await a.authenticate(await hs({ role: 'r3' }), NOW);
    assert.equal(a.cacheSize, 2);
    const off = authenticator({ PGRST_JWT_CACHE_MAX_ENTRIES: '0' });
    await off.authenticate(t, NOW);
    assert.equal(off.cacheSize, 0);
    // A failed signature is never cached, so a later correct secret is not poisoned.
    await a.authenticate(await hs({ role: 'r' }, 'another-secret-that-is-long-enough!!'), NOW);
    assert.equal(a.cacheSize, 2);
  });

  test('jwt-role-claim-key picks the role from nested claims', async () => {
    const a = authenticator({ PGRST_JWT_ROLE_CLAIM_KEY: '$.realm.roles[?(@ ^== "app_")]' });
    assert.equal(role(await a.authenticate(await hs({ realm: { roles: ['x', 'app_user'] } }), NOW)), 'app_user');
    assert.equal(role(await a.authenticate(await hs({ role: 'ignored' }), NOW)), 'web_anon');
  });

  test('a reloaded config with a new secret flushes the cache; a bad one keeps the old config', async () => {
    const config = loadConfig({ env: { PGRST_JWT_SECRET: SECRET } });
    const state = { config, auth: new Authenticator(config) } as unknown as AppState;
    const old = await hs({ role: 'r' });
    assert.equal(role(await state.auth.authenticate(old, NOW)), 'r');
    assert.equal(state.auth.cacheSize, 1);
    const rotated = 'a-brand-new-secret-of-enough-length!';
    applyConfig(state, loadConfig({ env: { PGRST_JWT_SECRET: rotated } }));
    assert.equal(state.auth.cacheSize, 0);
    refused(await state.auth.authenticate(old, NOW), 'PGRST301', 'No suitable key or wrong key type', 'None of the keys was able to decode the JWT');
    assert.equal(role(await state.auth.authenticate(await hs({ role: 'n' }, rotated), NOW)), 'n');
    assert.throws(() => applyConfig(state, loadConfig({ env: { PGRST_JWT_SECRET: 'short' } })), ConfigError);
    assert.equal(state.config.jwtSecret, rotated);
  });

  test('extractToken: Bearer (any case), a non-Bearer scheme is no token, cookie as fallback', () => {
    assert.equal(extractToken('Bearer abc', undefined), 'abc');
    assert.equal(extractToken('bEaReR   abc ', undefined), 'abc');
    assert.equal(extractToken('Bearer', undefined), '');
    assert.equal(extractToken('Basic dXNlcjpwdw==', undefined), null);
    assert.equal(extractToken(undefined, 'fromcookie'), 'fromcookie');
    assert.equal(extractToken('Bearer h', 'c'), 'h');
    assert.equal(extractToken(undefined, undefined), null);
  });
});

const claims = {
  role: 'top',
  app: { role: 'nested', roles: ['reader', 'admin', 'writer'] },
  'with.dot': { 'a b': 'quoted' },
  realm_access: { roles: ['offline', 'app_admin', 'uma'] },
  num: 42,
};

const CASES: readonly (readonly [string, string | null])[] = [
  ['$.role', 'top'],
  ['$$.role', 'top'],
  ['.role', 'top'],
  ['$.app.role', 'nested'],
  ['.app.role', 'nested'],
  ['$.app.roles[1]', 'admin'],
  ['.app.roles[0]', 'reader'],
  ["$['with.dot']['a b']", 'quoted'],
  ['."with.dot"."a b"', 'quoted'],
  ['$.app.roles[?(@ == "writer")]', 'writer'],
  ['.app.roles[?(@ != "reader")]', 'admin'],
  ['.realm_access.roles[?(@ ^== "app_")]', 'app_admin'],
  ['.realm_access.roles[?(@ ==^ "ma")]', 'uma'],
  ['.realm_access.roles[?(@ *== "ffli")]', 'offline'],
  ['$.realm_access.roles[?search(@, "^app_.*")]', 'app_admin'],
  ['$.num', '42'],
  ['$.missing', null],
  ['$.app.roles[9]', null],
  ['$.role.deeper', null],
  ['$.app.roles[?(@ == "nobody")]', null],
];

describe('jwt-role-claim-key', () => {
  for (const [key, expected] of CASES) {
    test(`${key} → ${String(expected)}`, () => {
      assert.equal(roleFromClaims(claims, parseRoleClaimKey(key)), expected);
    });
  }

  test('malformed keys are refused at startup', () => {
    for (const bad of ['role', '$.', '$.a[', '$.a[?(@ ~ "x")]', '$.a[?(@ == "x")].b', "$['unterminated]"]) {
      assert.throws(() => parseRoleClaimKey(bad), ConfigError, bad);
    }
  });
});
