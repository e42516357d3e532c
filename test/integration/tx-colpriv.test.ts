// Column-level grants: web_anon and test_user may SELECT id and name of txn_colpriv (not
// secret), UPDATE name, DELETE rows and INSERT id and name. Writes filtered on granted columns
// work because the statement reads only what the request needs; asking for the secret column
// is PostgreSQL's 42501 (401 anonymous, 403 with a JWT role).

import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { JWT_SECRET, request, sqlQuery, suiteGateway, type Reply } from '../helpers/gateway.js';

const json = { 'Content-Type': 'application/json' };

const reset = async (): Promise<void> => {
  await sqlQuery(
    "DELETE FROM api.txn_colpriv; INSERT INTO api.txn_colpriv SELECT g, 'name ' || g, 'secret ' || g FROM generate_series(1, 20) g; " +
      "INSERT INTO api.txn_colpriv_tags VALUES (1, 10, 'ten'), (2, 10, 'dix'), (3, 11, 'eleven') ON CONFLICT DO NOTHING; " +
      'INSERT INTO api.txn_colpriv_labels VALUES (12, 1), (12, 2) ON CONFLICT DO NOTHING',
  );
};

const row = async (id: number): Promise<unknown> => (await sqlQuery('SELECT id, name, secret FROM api.txn_colpriv WHERE id = $1', [id]))[0] ?? null;

function denied(r: Reply, status: number): void {
  assert.equal(r.status, status, r.text);
  assert.equal((r.json() as { code: string }).code, '42501');
}

for (const who of ['web_anon', 'test_user'] as const) {
  describe(`column grants as ${who}`, () => {
    const gw = suiteGateway();
    afterEach(reset);
    let auth: Record<string, string> = {};
    const denial = who === 'web_anon' ? 401 : 403;
    const headers = async (extra: Record<string, string> = {}): Promise<Record<string, string>> => {
      if (who === 'test_user' && auth['Authorization'] === undefined) {
        const token = await new SignJWT({ role: 'test_user' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
        auth = { Authorization: `Bearer ${token}` };
      }
      return { ...auth, ...json, ...extra };
    };

    test('DELETE filtered on a granted column, with every return preference', async () => {
      assert.equal((await request(gw(), 'DELETE', '/txn_colpriv?id=eq.1', { headers: await headers() })).status, 204);
      assert.equal((await request(gw(), 'DELETE', '/txn_colpriv?name=eq.name%202', { headers: await headers({ Prefer: 'return=minimal' }) })).status, 204);
      const rep = await request(gw(), 'DELETE', '/txn_colpriv?id=eq.3&select=id,name', { headers: await headers({ Prefer: 'return=representation' }) });
      assert.equal(rep.status, 200, rep.text);
      assert.deepEqual(rep.json(), [{ id: 3, name: 'name 3' }]);
      for (const id of [1, 2, 3]) assert.equal(await row(id), null);
    });

    test('PATCH filtered on granted columns; representation of granted columns and of an embed', async () => {
      const r = await request(gw(), 'PATCH', '/txn_colpriv?id=eq.4', { headers: await headers(), body: '{"name":"renamed"}' });
      assert.equal(r.status, 204, r.text);
      assert.deepEqual(await row(4), { id: 4, name: 'renamed', secret: 'secret 4' });
      const rep = await request(gw(), 'PATCH', '/txn_colpriv?id=eq.10&select=name,txn_colpriv_tags(tag)&txn_colpriv_tags.order=id', {
        headers: await headers({ Prefer: 'return=representation' }),
        body: '{"name":"ten"}',
      });
      assert.equal(rep.status, 200, rep.text);
      assert.deepEqual(rep.json(), [{ name: 'ten', txn_colpriv_tags: [{ tag: 'ten' }, { tag: 'dix' }] }]);
      // Many-to-many: the junction joins on the written row's key, which the role may read.
      const m2m = await request(gw(), 'PATCH', '/txn_colpriv?id=eq.12&select=name,txn_labels(label)&txn_labels.order=id', {
        headers: await headers({ Prefer: 'return=representation' }),
        body: '{"name":"twelve"}',
      });
      assert.equal(m2m.status, 200, m2m.text);
      assert.deepEqual(m2m.json(), [{ name: 'twelve', txn_labels: [{ label: 'red' }, { label: 'blue' }] }]);
    });

    test('POST of granted columns with return=headers-only: Location from the key alone', async () => {
      const r = await request(gw(), 'POST', '/txn_colpriv', { headers: await headers({ Prefer: 'return=headers-only' }), body: '{"id":50,"name":"new"}' });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.headers.get('location'), '/txn_colpriv?id=eq.50');
      assert.deepEqual(await row(50), { id: 50, name: 'new', secret: 'classified' });
    });

    test('Accept: vnd.pgrst.object on a DELETE of granted columns, and a rollback', async () => {
      const one = await request(gw(), 'DELETE', '/txn_colpriv?id=eq.5', { headers: await headers({ Accept: 'application/vnd.pgrst.object+json' }) });
      assert.equal(one.status, 204, one.text);
      assert.equal(await row(5), null);
      const many = await request(gw(), 'DELETE', '/txn_colpriv?id=lte.9', { headers: await headers({ Accept: 'application/vnd.pgrst.object+json' }) });
      assert.equal(many.status, 406, many.text);
      assert.deepEqual(await row(6), { id: 6, name: 'name 6', secret: 'secret 6' });
    });

    test('what the role may not read is refused: the secret in select, in a filter, select=*', async () => {
      denied(await request(gw(), 'DELETE', '/txn_colpriv?id=eq.6&select=secret', { headers: await headers({ Prefer: 'return=representation' }) }), denial);
      denied(await request(gw(), 'DELETE', '/txn_colpriv?secret=eq.secret%206', { headers: await headers() }), denial);
      denied(await request(gw(), 'PATCH', '/txn_colpriv?id=eq.6', { headers: await headers({ Prefer: 'return=representation' }), body: '{"name":"x"}' }), denial);
      denied(await request(gw(), 'PATCH', '/txn_colpriv?id=eq.6', { headers: await headers(), body: '{"secret":"x"}' }), denial);
      assert.deepEqual(await row(6), { id: 6, name: 'name 6', secret: 'secret 6' });
    });
  });
}
