// Database and body errors on writes map to PostgREST's statuses, and a failed request leaves
// no row behind: 23505/23503 → 409, 23502/23514/22P02 → 400, 42501 → 401/403, bad bodies →
// PGRST102, non-uniform bulk keys → PGRST102.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { JWT_SECRET, request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

const json = { 'Content-Type': 'application/json' };
const codeOf = (text: string): string => (JSON.parse(text) as { code: string }).code;
const noRow = async (name: string): Promise<void> => {
  assert.deepEqual(await sqlQuery('select 1 from api.wr_items where name = $1', [name]), [], `no row ${name}`);
};

describe('write errors', () => {
  const gw = suiteGateway();

  const cases: [string, string, string, number, string][] = [
    ['not-null', '/wr_items', '[{"name":"nn-ok"},{"name":null}]', 400, '23502'],
    ['check', '/wr_items', '[{"name":"ck-ok","qty":1},{"name":"ck-bad","qty":-1}]', 400, '23514'],
    ['bad value', '/wr_items', '[{"name":"bv-ok","qty":1},{"name":"bv-bad","qty":"many"}]', 400, '22P02'],
  ];
  for (const [what, path, body, status, code] of cases) {
    test(`${what} → ${status} ${code}, the whole bulk insert rolled back`, async () => {
      const r = await request(gw(), 'POST', path, { headers: json, body });
      assert.equal(r.status, status, r.text);
      assert.equal(codeOf(r.text), code);
      await noRow(`${what === 'not-null' ? 'nn' : what === 'check' ? 'ck' : 'bv'}-ok`);
    });
  }

  test('foreign key → 409 23503; unique → 409 23505', async () => {
    const fk = await request(gw(), 'POST', '/wr_children', { headers: json, body: '{"id":1,"item_id":999999}' });
    assert.equal(fk.status, 409);
    assert.equal(codeOf(fk.text), '23503');
    await sqlQuery("insert into api.wr_pairs (a, b) values (1, 'dup')");
    const uq = await request(gw(), 'POST', '/wr_pairs', { headers: json, body: '[{"a":2,"b":"fresh"},{"a":1,"b":"dup"}]' });
    assert.equal(uq.status, 409);
    assert.equal(codeOf(uq.text), '23505');
    assert.deepEqual(await sqlQuery("select 1 from api.wr_pairs where b = 'fresh'"), []);
  });

  test('PATCH breaking a check → 400, no row changed', async () => {
    await sqlQuery("insert into api.wr_items (name, qty) values ('patch-ck', 5)");
    const r = await request(gw(), 'PATCH', '/wr_items?name=eq.patch-ck', { headers: json, body: '{"qty":-5}' });
    assert.equal(r.status, 400);
    assert.deepEqual(await sqlQuery("select qty from api.wr_items where name = 'patch-ck'"), [{ qty: 5 }]);
  });

  test('no privilege: 401 anonymous, 403 authenticated', async () => {
    const anon = await request(gw(), 'POST', '/wr_locked', { headers: json, body: '{"id":1}' });
    assert.equal(anon.status, 401);
    assert.equal(codeOf(anon.text), '42501');
    const token = await new SignJWT({ role: 'web_user' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
    const authed = await request(gw(), 'DELETE', '/wr_locked?id=eq.1', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(authed.status, 403);
  });

  test('empty or non-JSON body → 400 PGRST102', async () => {
    for (const body of ['', 'not json', '42', '"str"', '[1,2]']) {
      const r = await request(gw(), 'POST', '/wr_items', { headers: json, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(codeOf(r.text), 'PGRST102');
    }
  });

  test('keys differing across a bulk array → 400 PGRST102, nothing written', async () => {
    const r = await request(gw(), 'POST', '/wr_items', { headers: json, body: '[{"name":"k1"},{"name":"k2","qty":2}]' });
    assert.equal(r.status, 400);
    const e = r.json() as { code: string; message: string };
    assert.equal(e.code, 'PGRST102');
    assert.equal(e.message, 'All object keys must match');
    await noRow('k1');
  });

  test('unknown column in the body → 400 PGRST204', async () => {
    const r = await request(gw(), 'POST', '/wr_items', { headers: json, body: '{"name":"x","nope":1}' });
    assert.equal(r.status, 400);
    assert.equal(codeOf(r.text), 'PGRST204');
  });
});
