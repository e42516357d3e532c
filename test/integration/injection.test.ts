// Injection attempts over real HTTP: identifiers, values, order, select, on_conflict, columns,
// profiles and the JWT role. Each request gets an answer that is not a 500, and afterwards the
// tables and rows are all still there, checked as the superuser.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import type { Gateway } from '../../gateway/app.js';
import { JWT_SECRET, request, sqlQuery, startTestGateway } from '../helpers/gateway.js';

const DROP = 'drop table api.people';
const enc = encodeURIComponent;

async function snapshot(): Promise<string> {
  const rows = await sqlQuery<{ t: string; n: string }>(
    `select 'people' as t, count(*)::text as n from api.people union all select 'todos', count(*)::text from api.todos
     union all select 'user_todos', count(*)::text from api.user_todos union all select 'tables', count(*)::text from pg_tables where schemaname = 'api'`,
  );
  return JSON.stringify(rows);
}

describe('injection attempts', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.stop();
  });

  test('every attempt is answered without a 500 and leaves the database intact', async () => {
    const before = await snapshot();
    const attempts: readonly (readonly [string, string, (string | undefined)?, Record<string, string>?])[] = [
      ['GET', `/people?name=eq.${enc(`x'; ${DROP}; --`)}`],
      ['GET', `/people?name=in.(${enc(`a') or 1=1; ${DROP}; --`)})`],
      ['GET', `/people?${enc(`name"; ${DROP}; --`)}=eq.1`],
      ['GET', `/people?select=${enc(`name, (select 1); ${DROP}`)}`],
      ['GET', `/people?select=${enc(`x:name::text); ${DROP}; --`)}`],
      ['GET', `/people?order=${enc(`name; ${DROP}`)}`],
      ['GET', `/people?order=${enc(`name"; ${DROP}; --.desc`)}`],
      ['GET', `/people?limit=${enc(`1; ${DROP}`)}`],
      ['GET', `/${enc(`people; ${DROP}`)}`],
      ['GET', '/people', undefined, { 'Accept-Profile': `api"; ${DROP}; --` }],
      ['POST', `/people?on_conflict=${enc(`id) do nothing; ${DROP}; --`)}`, JSON.stringify({ id: 90, name: 'oc' })],
      ['POST', `/people?columns=${enc(`id,name"); ${DROP}; --`)}`, JSON.stringify({ id: 91, name: 'cols' })],
      ['POST', '/people', JSON.stringify({ [`name"); ${DROP}; --`]: 'x' })],
      ['PATCH', '/people?id=eq.1', JSON.stringify({ city: `London'); ${DROP}; --` })],
      ['DELETE', `/people?id=eq.${enc(`1 or 1=1`)}`],
    ];
    for (const [method, path, body, headers] of attempts) {
      const r = await request(gw, method, path, {
        headers: { 'Content-Type': 'application/json', ...(headers ?? {}) },
        ...(body === undefined ? {} : { body }),
      });
      assert.ok(r.status < 500, `${method} ${path} → ${r.status} ${r.text}`);
    }
    // The PATCH stored the payload as plain text, which is what a value should be.
    const [ada] = await sqlQuery<{ city: string }>('select city from api.people where id = 1');
    assert.equal(ada?.city, `London'); ${DROP}; --`);
    await sqlQuery("update api.people set city = 'London' where id = 1");
    await sqlQuery('delete from api.people where id in (90, 91)');
    assert.equal(await snapshot(), before);
  });

  test('a role claim with SQL in it is only ever a role name', async () => {
    const token = await new SignJWT({ role: `web_anon'; ${DROP}; --` }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
    const before = await snapshot();
    const r = await request(gw, 'GET', '/people', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 401);
    assert.equal((r.json() as { code: string }).code, '22023');
    assert.equal(await snapshot(), before);
  });
});
