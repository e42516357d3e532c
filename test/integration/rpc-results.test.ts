// Reading the result of a SETOF/TABLE function like a table: select, filters, order, limit and
// offset, Prefer: count=exact with Content-Range, and a singular object through Accept.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('rpc: results as relations', () => {
  const gateway = suiteGateway();
  const get = (path: string, headers: Record<string, string> = {}) => request(gateway(), 'GET', `/rpc/${path}`, { headers });

  test('select, filter and order on a RETURNS TABLE result', async () => {
    const r = await get('rpc_table?n=5&select=id,label&even=is.true&order=id.desc');
    assert.deepEqual(r.json(), [{ id: 4, label: 'row 4' }, { id: 2, label: 'row 2' }]);
  });

  test('limit/offset, and count=exact gives Content-Range with the total', async () => {
    const r = await get('rpc_table?n=5&select=id&order=id&limit=2&offset=1', { prefer: 'count=exact' });
    assert.deepEqual([r.status, r.headers.get('content-range'), r.json()], [206, '1-2/5', [{ id: 2 }, { id: 3 }]]);
  });

  test('POST with filters in the query string on a SETOF table type', async () => {
    const r = await request(gateway(), 'POST', '/rpc/rpc_people_from?select=name&age=gt.40', {
      body: JSON.stringify({ city_name: 'London' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(r.json(), [{ name: 'Alan' }]);
  });

  test('Accept: application/vnd.pgrst.object+json picks the single row', async () => {
    const r = await get('rpc_table?n=3&id=eq.2', { accept: 'application/vnd.pgrst.object+json' });
    assert.deepEqual([r.status, r.json()], [200, { id: 2, label: 'row 2', even: true }]);
    const many = await get('rpc_table?n=3', { accept: 'application/vnd.pgrst.object+json' });
    assert.equal(many.status, 406);
  });
});
