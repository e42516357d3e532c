// Schema features real databases have (test/fixtures/15_production.sql), through the API as
// the canonical unprivileged authenticator: identity columns, domains, enums, arrays,
// triggers, a deferrable foreign key, a partitioned table and column-level grants.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

const json = { 'Content-Type': 'application/json' };
const rep = { ...json, Prefer: 'return=representation' };

interface ErrorBody {
  code: string;
  message: string;
}

describe('production-shaped schema', () => {
  const gw = suiteGateway();

  test('identity ALWAYS: generated on insert; enum and array defaults; BEFORE trigger runs', async () => {
    const r = await request(gw(), 'POST', '/prod_accounts?select=id,email,status,tags', {
      headers: rep,
      body: JSON.stringify({ email: 'Linus@Example.com' }),
    });
    assert.equal(r.status, 201, r.text);
    const [row] = r.json() as { id: number; email: string; status: string; tags: string[] }[];
    assert.ok(row !== undefined && Number.isInteger(row.id) && row.id > 2);
    assert.equal(row.email, 'linus@example.com');
    assert.equal(row.status, 'draft');
    assert.deepEqual(row.tags, []);
  });

  test('identity ALWAYS: an explicit id is refused (400 428C9) and nothing is written', async () => {
    const r = await request(gw(), 'POST', '/prod_accounts', { headers: json, body: JSON.stringify({ id: 99, email: 'x@example.com' }) });
    assert.equal(r.status, 400);
    assert.equal((r.json() as ErrorBody).code, '428C9');
    assert.equal((await sqlQuery("select 1 from api.prod_accounts where email = 'x@example.com'")).length, 0);
  });

  test('domain CHECK and enum input errors are 400 with their SQLSTATE', async () => {
    const bad = await request(gw(), 'POST', '/prod_accounts', { headers: json, body: JSON.stringify({ email: 'not-an-email' }) });
    assert.equal(bad.status, 400);
    assert.equal((bad.json() as ErrorBody).code, '23514');
    const badEnum = await request(gw(), 'POST', '/prod_accounts', { headers: json, body: JSON.stringify({ email: 'e@example.com', status: 'bogus' }) });
    assert.equal(badEnum.status, 400);
    assert.equal((badEnum.json() as ErrorBody).code, '22P02');
    const filter = await request(gw(), 'GET', '/prod_accounts?status=eq.bogus');
    assert.equal(filter.status, 400);
    assert.equal((filter.json() as ErrorBody).code, '22P02');
  });

  test('enum and array filters', async () => {
    const r = await request(gw(), 'GET', '/prod_accounts?select=email&status=eq.active&tags=cs.{math}');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), [{ email: 'ada@example.com' }]);
  });

  test('BEFORE UPDATE trigger stamps the row; PATCH returns it', async () => {
    const r = await request(gw(), 'PATCH', '/prod_accounts?email=eq.grace@example.com&select=status,updated_at', {
      headers: rep,
      body: JSON.stringify({ status: 'archived' }),
    });
    assert.equal(r.status, 200, r.text);
    const [row] = r.json() as { status: string; updated_at: string | null }[];
    assert.equal(row?.status, 'archived');
    assert.ok(row?.updated_at !== null && !Number.isNaN(Date.parse(row?.updated_at ?? '')));
  });

  test('missing=default: identity BY DEFAULT takes nextval, a domain column its domain default', async () => {
    const [acct] = await sqlQuery<{ id: number }>("select id from api.prod_accounts where email = 'ada@example.com'");
    const r = await request(gw(), 'POST', '/prod_orders?columns=account_id,qty&select=id,account_id,qty', {
      headers: { ...json, Prefer: 'return=representation, missing=default' },
      body: JSON.stringify([{ account_id: acct?.id }, { account_id: acct?.id, qty: 3 }]),
    });
    assert.equal(r.status, 201, r.text);
    const rows = r.json() as { id: number; account_id: number; qty: number }[];
    assert.deepEqual(rows.map((o) => o.qty), [1, 3]);
    assert.ok(rows.every((o) => Number.isInteger(o.id)));
    assert.notEqual(rows[0]?.id, rows[1]?.id);
  });

  test('AFTER trigger writes through its definer', async () => {
    const [acct] = await sqlQuery<{ id: number }>("select id from api.prod_accounts where email = 'ada@example.com'");
    const r = await request(gw(), 'POST', '/prod_orders?select=id', { headers: rep, body: JSON.stringify({ account_id: acct?.id, qty: 7 }) });
    assert.equal(r.status, 201, r.text);
    const [order] = r.json() as { id: number }[];
    const audit = await request(gw(), 'GET', `/prod_audit?select=what&what=eq.INSERT order ${order?.id} qty 7`);
    assert.deepEqual(audit.json(), [{ what: `INSERT order ${order?.id} qty 7` }]);
  });

  test('a deferred foreign key is checked at commit: 409 23503 and nothing is written', async () => {
    const before = await sqlQuery<{ n: string }>('select count(*) as n from api.prod_orders');
    const r = await request(gw(), 'POST', '/prod_orders', { headers: json, body: JSON.stringify({ account_id: 424242, qty: 2 }) });
    assert.equal(r.status, 409, r.text);
    assert.equal((r.json() as ErrorBody).code, '23503');
    const after = await sqlQuery<{ n: string }>('select count(*) as n from api.prod_orders');
    assert.equal(after[0]?.n, before[0]?.n);
    // The connection is usable afterwards.
    assert.equal((await request(gw(), 'GET', '/prod_orders?select=id&limit=1')).status, 200);
  });

  test('a partitioned table is one endpoint; its partitions are not', async () => {
    const r = await request(gw(), 'GET', '/prod_events?select=kind&happened=gte.2026-01-01&order=happened');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), [{ kind: 'signup' }, { kind: 'order' }]);
    const ins = await request(gw(), 'POST', '/prod_events?select=happened,kind', { headers: rep, body: JSON.stringify({ happened: '2025-07-01', kind: 'refund' }) });
    assert.equal(ins.status, 201, ins.text);
    assert.deepEqual(ins.json(), [{ happened: '2025-07-01', kind: 'refund' }]);
    const outside = await request(gw(), 'POST', '/prod_events', { headers: json, body: JSON.stringify({ happened: '1999-01-01', kind: 'old' }) });
    assert.equal(outside.status, 400);
    assert.equal((outside.json() as ErrorBody).code, '23514');
    const part = await request(gw(), 'GET', '/prod_events_2025');
    assert.equal(part.status, 404);
    assert.equal((part.json() as ErrorBody).code, 'PGRST205');
  });

  test('column grants: granted columns read, the others refused as anonymous (401 42501)', async () => {
    const ok = await request(gw(), 'GET', '/prod_staff?select=id,name&order=id');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json(), [{ id: 1, name: 'Ada' }, { id: 2, name: 'Alan' }]);
    const filtered = await request(gw(), 'GET', '/prod_staff?select=name&name=eq.Alan');
    assert.deepEqual(filtered.json(), [{ name: 'Alan' }]);
    for (const path of ['/prod_staff?select=salary', '/prod_staff', '/prod_staff?select=name&salary=gt.0']) {
      const denied = await request(gw(), 'GET', path);
      assert.equal(denied.status, 401, path);
      assert.equal((denied.json() as ErrorBody).code, '42501', path);
    }
  });
});
