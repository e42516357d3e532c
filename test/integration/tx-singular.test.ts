// Accept: application/vnd.pgrst.object+json on writes and calls: every method and every
// Prefer: return= checks the row count; 0 or >1 rows answer 406 PGRST116 and leave the table as
// it was (checked as the superuser), under db-tx-end=commit and =rollback alike.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway, type Reply } from '../helpers/gateway.js';

const SINGULAR = 'application/vnd.pgrst.object+json';
const RETURNS = [null, 'return=minimal', 'return=headers-only', 'return=representation'] as const;

const snapshot = async (): Promise<string> =>
  JSON.stringify(await sqlQuery('SELECT id, label FROM api.txn_items ORDER BY id'));

const reset = async (): Promise<void> => {
  await sqlQuery("DELETE FROM api.txn_items; INSERT INTO api.txn_items SELECT g, 'item ' || g FROM generate_series(1, 10) g");
};

function assertNotSingular(r: Reply, rows: number): void {
  assert.equal(r.status, 406, r.text);
  assert.deepEqual(r.json(), {
    code: 'PGRST116',
    details: `The result contains ${rows} rows`,
    hint: null,
    message: 'Cannot coerce the result to a single JSON object',
  });
}

/** Writes that touch 0 or >1 rows: [method, path, body, rows touched]. */
const NOT_SINGULAR: readonly (readonly [string, string, string | undefined, number])[] = [
  ['POST', '/txn_items', '[{"id":101,"label":"x"},{"id":102,"label":"y"}]', 2],
  ['POST', '/txn_items', '[]', 0],
  ['PATCH', '/txn_items?id=lte.3', '{"label":"changed"}', 3],
  ['PATCH', '/txn_items?id=eq.999', '{"label":"changed"}', 0],
  ['DELETE', '/txn_items?id=gt.0&id=lt.6', undefined, 5],
  ['DELETE', '/txn_items?id=lt.0', undefined, 0],
  ['POST', '/rpc/txn_relabel', '{"lo":1,"hi":4,"label":"changed"}', 4],
  ['POST', '/rpc/txn_relabel', '{"lo":500,"hi":600,"label":"changed"}', 0],
];

for (const txEnd of ['commit', 'rollback'] as const) {
  describe(`singular writes under db-tx-end=${txEnd}`, () => {
    const gw = suiteGateway({ PGRST_DB_TX_END: txEnd });
    before(reset);

    for (const [method, path, body, rows] of NOT_SINGULAR) {
      for (const ret of RETURNS) {
        test(`${method} ${path} ${body ?? ''} with ${ret ?? 'no return='}: 406 and nothing written`, async () => {
          const before = await snapshot();
          const headers: Record<string, string> = { Accept: SINGULAR, 'Content-Type': 'application/json' };
          if (ret !== null) headers['Prefer'] = ret;
          const r = await request(gw(), method, path, body === undefined ? { headers } : { headers, body });
          assertNotSingular(r, rows);
          assert.equal(await snapshot(), before);
        });
      }
    }

    test('Prefer: tx=commit does not make a non-singular write commit', async () => {
      const before = await snapshot();
      const r = await request(gw(), 'DELETE', '/txn_items?id=gt.0&id=lt.6', { headers: { Accept: SINGULAR, Prefer: 'tx=commit' } });
      assertNotSingular(r, 5);
      assert.equal(await snapshot(), before);
    });

    test('exactly one row: answered as a single object (or no body), committed only under commit', async () => {
      const commits = txEnd === 'commit';
      const json = { Accept: SINGULAR, 'Content-Type': 'application/json' };
      const patched = await request(gw(), 'PATCH', '/txn_items?id=eq.1', { headers: { ...json, Prefer: 'return=representation' }, body: '{"label":"one"}' });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.json(), { id: 1, label: 'one' });
      assert.match(patched.headers.get('content-type') ?? '', /^application\/vnd\.pgrst\.object\+json/);
      const minimal = await request(gw(), 'PATCH', '/txn_items?id=eq.2', { headers: { ...json, Prefer: 'return=minimal' }, body: '{"label":"two"}' });
      assert.equal(minimal.status, 204);
      assert.equal(minimal.text, '');
      const posted = await request(gw(), 'POST', '/txn_items', { headers: { ...json, Prefer: 'return=headers-only' }, body: '[{"id":150}]' });
      assert.equal(posted.status, 201, posted.text);
      assert.equal(posted.headers.get('location'), '/txn_items?id=eq.150');
      const put = await request(gw(), 'PUT', '/txn_items?id=eq.151', { headers: { ...json, Prefer: 'return=representation' }, body: '{"id":151,"label":"put"}' });
      assert.equal(put.status, 201, put.text);
      assert.deepEqual(put.json(), { id: 151, label: 'put' });
      const called = await request(gw(), 'POST', '/rpc/txn_relabel', { headers: json, body: '{"lo":3,"hi":3,"label":"three"}' });
      assert.equal(called.status, 200, called.text);
      assert.deepEqual(called.json(), { id: 3, label: 'three' });
      const scalar = await request(gw(), 'POST', '/rpc/txn_relabel_count', { headers: json, body: '{"lo":4,"hi":5,"label":"scalar"}' });
      assert.equal(scalar.status, 200, scalar.text);
      assert.equal(scalar.text, '2');
      const deleted = await request(gw(), 'DELETE', '/txn_items?id=eq.10', { headers: { Accept: SINGULAR } });
      assert.equal(deleted.status, 204);

      const rows = await sqlQuery<{ id: number; label: string }>('SELECT id, label FROM api.txn_items WHERE id IN (1, 2, 3, 4, 5, 10, 150, 151) ORDER BY id');
      const expected = commits
        ? [[1, 'one'], [2, 'two'], [3, 'three'], [4, 'scalar'], [5, 'scalar'], [150, 'new'], [151, 'put']]
        : [[1, 'item 1'], [2, 'item 2'], [3, 'item 3'], [4, 'item 4'], [5, 'item 5'], [10, 'item 10']];
      assert.deepEqual(rows.map((r) => [r.id, r.label]), expected);
      await reset();
    });
  });
}

describe('singular reads are unchanged', () => {
  const gw = suiteGateway();
  before(reset);

  test('GET with zero rows is 406, with one row the object', async () => {
    assertNotSingular(await request(gw(), 'GET', '/txn_items?id=lt.0', { headers: { Accept: SINGULAR } }), 0);
    const one = await request(gw(), 'GET', '/txn_items?id=eq.5', { headers: { Accept: SINGULAR } });
    assert.deepEqual(one.json(), { id: 5, label: 'item 5' });
  });
});
