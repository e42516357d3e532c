// Authentication end to end: the quick tour's row-level-security example with two users,
// refused tokens with PostgREST's bodies and WWW-Authenticate, roles the authenticator cannot
// become, and many requests of different roles pipelined on one connection staying apart.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import type { Gateway } from '../../gateway/app.js';
import { ConfigError } from '../../gateway/config.js';
import { JWT_SECRET, request, sqlQuery, startTestGateway, type Reply } from '../helpers/gateway.js';

function sign(payload: JWTPayload, secret = JWT_SECRET): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

async function as(user: string): Promise<Record<string, string>> {
  return { Authorization: `Bearer ${await sign({ role: 'web_user', user_id: user })}` };
}

interface UserTodo {
  id: number;
  user_id: string;
  title: string;
}

function errorCode(r: Reply): { code: string; message: string } {
  return r.json() as { code: string; message: string };
}

describe('authentication and row-level security', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({ PGRST_DB_POOL: '1' });
  });
  after(async () => {
    await gw.stop();
  });

  test('RLS tour: each user sees and changes only their own todos', async () => {
    const alice = await as('alice');
    const bob = await as('bob');
    const aliceRows = (await request(gw, 'GET', '/user_todos?order=id', { headers: alice })).json() as UserTodo[];
    assert.deepEqual(aliceRows.map((t) => t.title), ['alice 1', 'alice 2']);
    const bobRows = (await request(gw, 'GET', '/user_todos', { headers: bob })).json() as UserTodo[];
    assert.deepEqual(bobRows.map((t) => t.title), ['bob 1']);

    const created = await request(gw, 'POST', '/user_todos', {
      headers: { ...bob, 'Content-Type': 'application/json', Prefer: 'return=representation' },
      body: JSON.stringify({ title: 'bob 2' }),
    });
    assert.equal(created.status, 201);
    assert.equal((created.json() as UserTodo[])[0]?.user_id, 'bob');

    // Bob cannot touch Alice's rows: the update and delete match nothing.
    const patched = await request(gw, 'PATCH', "/user_todos?title=eq.alice 1", {
      headers: { ...bob, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'hacked' }),
    });
    assert.equal(patched.status, 204);
    await request(gw, 'DELETE', '/user_todos?user_id=eq.alice', { headers: bob });
    const stored = await sqlQuery<{ title: string }>("select title from api.user_todos where user_id = 'alice' order by id");
    assert.deepEqual(stored.map((r) => r.title), ['alice 1', 'alice 2']);

    // Nor insert rows in Alice's name (WITH CHECK).
    const forged = await request(gw, 'POST', '/user_todos', {
      headers: { ...bob, 'Content-Type': 'application/json' },
      body: JSON.stringify({ user_id: 'alice', title: 'forged' }),
    });
    assert.equal(forged.status, 403);
    assert.equal(errorCode(forged).code, '42501');

    // The anonymous role has no grant on the table at all.
    const anon = await request(gw, 'GET', '/user_todos');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), 'Bearer');
  });

  test('refused tokens: 401 with PostgREST code, message and WWW-Authenticate', async () => {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const cases: readonly (readonly [string, string, string])[] = [
      [await sign({ role: 'web_user', exp: now - 60 }), 'PGRST303', 'JWT expired'],
      [await sign({ role: 'web_user' }, 'wrong-secret-wrong-secret-wrong-secret'), 'PGRST301', 'No suitable key or wrong key type'],
      [`${b64({ alg: 'none' })}.${b64({ role: 'postgres' })}.`, 'PGRST301', 'Wrong or unsupported encoding algorithm'],
      ['not.a.jwt', 'PGRST301', 'JWT cryptographic operation failed'],
      ['onlyonepart', 'PGRST301', 'Expected 3 parts in JWT; got 1'],
    ];
    for (const [token, code, message] of cases) {
      const r = await request(gw, 'GET', '/todos', { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(r.status, 401, message);
      assert.deepEqual([errorCode(r).code, errorCode(r).message], [code, message]);
      assert.equal(r.headers.get('www-authenticate'), `Bearer error="invalid_token", error_description="${message}"`);
    }
  });

  test('a jwt-secret shorter than 32 characters refuses to start', async () => {
    await assert.rejects(startTestGateway({ PGRST_JWT_SECRET: 'too-short' }), ConfigError);
  });

  test('wrong audience is refused when jwt-aud is set', async () => {
    const aud = await startTestGateway({ PGRST_JWT_AUD: 'my-api' });
    try {
      const wrong = await request(aud, 'GET', '/todos', { headers: { Authorization: `Bearer ${await sign({ role: 'web_user', aud: 'other' })}` } });
      assert.equal(wrong.status, 401);
      assert.equal(errorCode(wrong).message, 'JWT not in audience');
      const right = await request(aud, 'GET', '/whoami', { headers: { Authorization: `Bearer ${await sign({ role: 'web_user', aud: 'my-api' })}` } });
      assert.equal(right.status, 200);
    } finally {
      await aud.stop();
    }
  });

  test('jwt-jwks-uri: RS256 tokens verified against a JWKS served over HTTP', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'it-1', alg: 'RS256' };
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    const remote = await startTestGateway({ PGRST_JWT_SECRET: '', PGRST_JWT_JWKS_URI: `http://127.0.0.1:${port}/.well-known/jwks.json` });
    try {
      const token = await new SignJWT({ role: 'web_user', user_id: 'bob' }).setProtectedHeader({ alg: 'RS256', kid: 'it-1' }).sign(privateKey);
      const r = await request(remote, 'GET', '/user_todos', { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(r.status, 200, r.text);
      assert.ok((r.json() as UserTodo[]).every((t) => t.user_id === 'bob'));
      const hmac = await request(remote, 'GET', '/todos', { headers: { Authorization: `Bearer ${await sign({ role: 'web_user' })}` } });
      assert.equal(hmac.status, 401);
    } finally {
      await remote.stop();
      server.close();
    }
  });

  test('roles the authenticator cannot become: unknown → 401 22023, not granted → 403 42501', async () => {
    const unknown = await request(gw, 'GET', '/todos', { headers: { Authorization: `Bearer ${await sign({ role: 'nobody' })}` } });
    assert.equal(unknown.status, 401);
    assert.deepEqual(errorCode(unknown), { code: '22023', message: 'role "nobody" does not exist', details: null, hint: null });
    const denied = await request(gw, 'GET', '/todos', { headers: { Authorization: `Bearer ${await sign({ role: 'not_granted' })}` } });
    assert.equal(denied.status, 403);
    assert.equal(errorCode(denied).code, '42501');
    assert.match(errorCode(denied).message, /permission denied to set role "not_granted"/);
  });

  test('pipelined requests of different roles on one connection never see each other', async () => {
    const users = ['alice', 'bob'];
    const tokens = await Promise.all(users.map((u) => as(u)));
    const jobs = Array.from({ length: 120 }, (_, i) => {
      const k = i % 3;
      if (k === 2) return request(gw, 'GET', '/whoami').then((r) => ({ who: 'anon', r }));
      const path = i % 2 === 0 ? '/user_todos' : '/whoami';
      return request(gw, 'GET', path, { headers: tokens[k]! }).then((r) => ({ who: users[k]!, r }));
    });
    for (const { who, r } of await Promise.all(jobs)) {
      assert.equal(r.status, 200, r.text);
      const rows = r.json() as Record<string, string>[];
      for (const row of rows) {
        if ('user_id' in row) assert.equal(row['user_id'], who);
        if ('role' in row) {
          assert.equal(row['role'], who === 'anon' ? 'web_anon' : 'web_user');
          const claims = JSON.parse(row['claims'] ?? '{}') as { user_id?: string };
          assert.equal(claims.user_id, who === 'anon' ? undefined : who);
          assert.equal(row['statement_timeout'], who === 'anon' ? '0' : '4321ms');
        }
      }
    }
  });
});
