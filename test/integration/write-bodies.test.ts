// Request bodies other than a JSON object: bulk arrays, text/csv, urlencoded forms; and
// writes through an auto-updatable view and a view with an INSTEAD OF trigger.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

const rep = { Prefer: 'return=representation' };

describe('write bodies', () => {
  const gw = suiteGateway();

  test('text/csv: header row, empty field is "", NULL is null', async () => {
    const r = await request(gw(), 'POST', '/wr_items?select=name,qty,note', {
      headers: { 'Content-Type': 'text/csv', ...rep },
      body: 'name,qty,note\ncsv1,3,\n"csv, two",4,NULL\n',
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [
      { name: 'csv1', qty: 3, note: '' },
      { name: 'csv, two', qty: 4, note: null },
    ]);
  });

  test('text/csv with a ragged row → 400 PGRST102', async () => {
    const r = await request(gw(), 'POST', '/wr_items', { headers: { 'Content-Type': 'text/csv' }, body: 'name,qty\nx\n' });
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, 'PGRST102');
  });

  test('application/x-www-form-urlencoded: one row', async () => {
    const r = await request(gw(), 'POST', '/wr_items?select=name,qty', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...rep },
      body: 'name=form+row&qty=9',
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [{ name: 'form row', qty: 9 }]);
  });

  test('PATCH with a urlencoded body', async () => {
    await sqlQuery("insert into api.wr_items (name) values ('form-patch')");
    const r = await request(gw(), 'PATCH', '/wr_items?name=eq.form-patch&select=note', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...rep },
      body: 'note=patched',
    });
    assert.deepEqual(r.json(), [{ note: 'patched' }]);
  });

  test('insert, update and delete through an auto-updatable view', async () => {
    const ins = await request(gw(), 'POST', '/wr_items_view?select=name,qty', {
      headers: { 'Content-Type': 'application/json', ...rep },
      body: '{"name":"via view","qty":7}',
    });
    assert.equal(ins.status, 201, ins.text);
    assert.deepEqual(ins.json(), [{ name: 'via view', qty: 7 }]);
    const upd = await request(gw(), 'PATCH', '/wr_items_view?name=eq.via%20view', { headers: { 'Content-Type': 'application/json' }, body: '{"qty":8}' });
    assert.equal(upd.status, 204);
    assert.deepEqual(await sqlQuery("select qty from api.wr_items where name = 'via view'"), [{ qty: 8 }]);
    const del = await request(gw(), 'DELETE', '/wr_items_view?name=eq.via%20view');
    assert.equal(del.status, 204);
    assert.deepEqual(await sqlQuery("select 1 from api.wr_items where name = 'via view'"), []);
  });

  test('insert through a view with an INSTEAD OF trigger returns what the trigger wrote', async () => {
    const r = await request(gw(), 'POST', '/wr_log_view?select=msg', {
      headers: { 'Content-Type': 'application/json', ...rep },
      body: '[{"msg":"hello"},{"msg":"world"}]',
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [{ msg: 'HELLO' }, { msg: 'WORLD' }]);
    assert.deepEqual(await sqlQuery("select msg, at_insert from api.wr_log order by id"), [
      { msg: 'HELLO', at_insert: 'trigger' },
      { msg: 'WORLD', at_insert: 'trigger' },
    ]);
  });
});
