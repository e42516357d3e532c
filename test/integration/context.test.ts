// The per-request context as PostgreSQL sees it (through the api.whoami view): headers,
// cookies, method, path, search_path, app.settings.*, the role's stored settings; then
// db-pre-request, jwt-cookie-name, and schema selection with Accept-/Content-Profile.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import type { Gateway } from '../../gateway/app.js';
import { JWT_SECRET, request, sqlQuery, startTestGateway } from '../helpers/gateway.js';

interface WhoAmI {
  role: string;
  claims: string;
  headers: string;
  cookies: string;
  method: string;
  path: string;
  search_path: string;
  statement_timeout: string;
  greeting: string | null;
  role_note: string | null;
}

const userToken = (): Promise<string> =>
  new SignJWT({ role: 'web_user', user_id: 'carol' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));

async function whoami(gw: Gateway, headers: Record<string, string> = {}): Promise<WhoAmI> {
  const r = await request(gw, 'GET', '/whoami', { headers });
  assert.equal(r.status, 200, r.text);
  const [row] = r.json() as WhoAmI[];
  assert.ok(row !== undefined);
  return row;
}

describe('request context', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({
      PGRST_APP_SETTINGS_GREETING: 'hello',
      PGRST_DB_EXTRA_SEARCH_PATH: 'public, hooks',
      PGRST_DB_PRE_REQUEST: 'hooks.pre_request',
      PGRST_JWT_COOKIE_NAME: 'session',
    });
  });
  after(async () => {
    await gw.stop();
  });

  test('headers (lower-cased), cookies, method, path, search_path and app.settings', async () => {
    const row = await whoami(gw, { 'X-Custom-Thing': 'v1', Cookie: 'theme=dark; lang=en' });
    assert.equal(row.role, 'web_anon');
    assert.deepEqual(JSON.parse(row.claims), { role: 'web_anon' });
    const headers = JSON.parse(row.headers) as Record<string, string>;
    assert.equal(headers['x-custom-thing'], 'v1');
    assert.deepEqual(JSON.parse(row.cookies), { theme: 'dark', lang: 'en' });
    assert.equal(row.method, 'GET');
    assert.equal(row.path, '/whoami');
    assert.equal(row.search_path, '"api", "public", "hooks"');
    assert.equal(row.greeting, 'hello');
    assert.ok(row.role_note === null || row.role_note === '');
  });

  test("the impersonated role's stored settings apply (ALTER ROLE … SET), and only to it", async () => {
    const user = await whoami(gw, { Authorization: `Bearer ${await userToken()}` });
    assert.equal(user.role, 'web_user');
    assert.equal(user.statement_timeout, '4321ms');
    assert.equal(user.role_note, 'from alter role');
    const anon = await whoami(gw);
    assert.equal(anon.statement_timeout, '0');
    // Once set on a connection a custom GUC exists there with an empty value; its value never leaks.
    assert.ok(anon.role_note === null || anon.role_note === '', String(anon.role_note));
  });

  test('db-pre-request runs first: it can set response headers and refuse the request', async () => {
    const ok = await request(gw, 'GET', '/todos');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-pre-request'), 'ran');
    const before = await sqlQuery<{ n: string }>('select count(*) as n from api.todos');
    const blocked = await request(gw, 'POST', '/todos', {
      headers: { 'X-Block': 'yes', 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'must not land' }),
    });
    assert.equal(blocked.status, 403);
    assert.equal((blocked.json() as { message: string }).message, 'blocked by pre-request');
    assert.deepEqual(await sqlQuery<{ n: string }>('select count(*) as n from api.todos'), before);
  });

  test('jwt-cookie-name: the token is read from the cookie when no Authorization is sent', async () => {
    const row = await whoami(gw, { Cookie: `session=${await userToken()}` });
    assert.equal(row.role, 'web_user');
    const bad = await request(gw, 'GET', '/whoami', { headers: { Cookie: 'session=garbage' } });
    assert.equal(bad.status, 401);
    assert.equal((bad.json() as { code: string }).code, 'PGRST301');
  });
});

describe('schemas and profiles', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({ PGRST_DB_SCHEMAS: 'api, v2' });
  });
  after(async () => {
    await gw.stop();
  });

  test('Accept-Profile picks the schema of a read; responses carry Content-Profile', async () => {
    const def = await request(gw, 'GET', '/todos?limit=1');
    assert.equal(def.status, 200);
    assert.equal(def.headers.get('content-profile'), 'api');
    const v2 = await request(gw, 'GET', '/things', { headers: { 'Accept-Profile': 'v2' } });
    assert.equal(v2.status, 200);
    assert.equal(v2.headers.get('content-profile'), 'v2');
    assert.deepEqual(v2.json(), [{ id: 1, name: 'v2 thing' }]);
    const wrongSchema = await request(gw, 'GET', '/things');
    assert.equal(wrongSchema.status, 404);
  });

  test('Content-Profile picks the schema of a write; an unexposed schema → 406 PGRST106', async () => {
    const created = await request(gw, 'POST', '/things', {
      headers: { 'Content-Profile': 'v2', 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 2, name: 'second' }),
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('content-profile'), 'v2');
    assert.equal((await sqlQuery('select 1 from v2.things where id = 2')).length, 1);
    const hidden = await request(gw, 'GET', '/pre_request', { headers: { 'Accept-Profile': 'hooks' } });
    assert.equal(hidden.status, 406);
    const body = hidden.json() as { code: string; message: string; hint: string };
    assert.equal(body.code, 'PGRST106');
    assert.equal(body.hint, 'Only the following schemas are exposed: api, v2');
  });
});

describe('a single-schema gateway', () => {
  test('sends no Content-Profile header', async () => {
    const gw = await startTestGateway();
    try {
      const r = await request(gw, 'GET', '/todos?limit=1');
      assert.equal(r.headers.get('content-profile'), null);
    } finally {
      await gw.stop();
    }
  });
});
