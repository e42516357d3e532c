// Accept: application/vnd.pgrst.plan (text and +json, for=, options=) behind db-plan-enabled:
// the EXPLAIN of the very statement the request would run, with its parameters; 406 when off.
// EXPLAIN ANALYZE of a write commits unless Prefer: tx=rollback says otherwise (as PostgREST).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

describe('vnd.pgrst.plan with db-plan-enabled = false (the default)', () => {
  const gateway = suiteGateway();

  test('406 PGRST107, as for any type the server does not produce', async () => {
    for (const accept of ['application/vnd.pgrst.plan', 'application/vnd.pgrst.plan+json; for="application/json"']) {
      const r = await request(gateway(), 'GET', '/directors', { headers: { accept } });
      assert.equal(r.status, 406, accept);
      assert.deepEqual(r.json(), { code: 'PGRST107', message: `None of these media types are available: ${accept.split(';')[0]}`, details: null, hint: null });
    }
  });

  test('a later acceptable type still answers', async () => {
    const r = await request(gateway(), 'GET', '/directors?id=eq.1&select=id', { headers: { accept: 'application/vnd.pgrst.plan, application/json;q=0.5' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), [{ id: 1 }]);
  });
});

describe('vnd.pgrst.plan with db-plan-enabled = true', () => {
  const gateway = suiteGateway({ PGRST_DB_PLAN_ENABLED: 'true', PGRST_DB_TX_END: 'commit-allow-override' });
  const get = (path: string, accept: string) => request(gateway(), 'GET', path, { headers: { accept } });

  test('text plan (the default format) of a read', async () => {
    const r = await get('/directors?select=name&order=id', 'application/vnd.pgrst.plan');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/vnd.pgrst.plan+text; for="application/json"; charset=utf-8');
    assert.match(r.text, /^Aggregate {2}\(cost=/);
    assert.match(r.text, /directors/);
    assert.ok(!r.text.includes('actual time'));
  });

  test('+json plan: EXPLAIN (FORMAT JSON) output', async () => {
    const r = await get('/directors?id=eq.1', 'application/vnd.pgrst.plan+json');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/vnd.pgrst.plan+json; for="application/json"; charset=utf-8');
    const plan = r.json() as { Plan: { 'Node Type': string; 'Total Cost': number } }[];
    assert.equal(plan[0]!.Plan['Node Type'], 'Aggregate');
    assert.equal(typeof plan[0]!.Plan['Total Cost'], 'number');
  });

  test('for= another representation and options= EXPLAIN options', async () => {
    const csv = await get('/directors', 'application/vnd.pgrst.plan+json; for="text/csv"; options=analyze|verbose|settings|buffers|wal');
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get('content-type'), 'application/vnd.pgrst.plan+json; for="text/csv"; options=analyze|verbose|settings|buffers|wal; charset=utf-8');
    const plan = csv.json() as { Plan: Record<string, unknown> }[];
    assert.equal(typeof plan[0]!.Plan['Actual Total Time'], 'number');
    assert.ok(Array.isArray(plan[0]!.Plan['Output']), 'verbose lists the output columns');
    const analyzed = await get('/directors?id=eq.1', 'application/vnd.pgrst.plan; options=analyze');
    assert.match(analyzed.text, /actual time=/);
    assert.match(analyzed.text, /Execution Time/);
  });

  test('unknown options are ignored; a for= nothing produces is 406', async () => {
    const r = await get('/directors', 'application/vnd.pgrst.plan; options=bogus|analyze');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/vnd.pgrst.plan+text; for="application/json"; options=analyze; charset=utf-8');
    const bad = await get('/directors', 'application/vnd.pgrst.plan; for="image/png"');
    assert.equal(bad.status, 406);
    assert.equal((bad.json() as { code: string }).code, 'PGRST107');
  });

  test('plans of RPC calls and of handler representations', async () => {
    const call = await get('/rpc/rpc_series?n=3', 'application/vnd.pgrst.plan');
    assert.equal(call.status, 200);
    assert.match(call.text, /Function Scan|ProjectSet|Aggregate/);
    const handler = await get('/media_notes', 'application/vnd.pgrst.plan; for="text/tab-separated-values"');
    assert.equal(handler.status, 200);
    assert.equal(handler.headers.get('content-type'), 'application/vnd.pgrst.plan+text; for="text/tab-separated-values"; charset=utf-8');
  });

  test('a query error in the planned statement is still PostgREST\'s error', async () => {
    const r = await get('/directors?nope=eq.1', 'application/vnd.pgrst.plan');
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, '42703');
  });

  test('EXPLAIN ANALYZE of a write commits it, as EXPLAIN does', async () => {
    const r = await request(gateway(), 'POST', '/media_log', {
      body: JSON.stringify({ id: 8001, note: 'planned' }),
      headers: { 'content-type': 'application/json', accept: 'application/vnd.pgrst.plan; options=analyze' },
    });
    assert.equal(r.status, 200);
    assert.match(r.text, /Insert on media_log/);
    assert.deepEqual(await sqlQuery('SELECT note FROM api.media_log WHERE id = 8001'), [{ note: 'planned' }]);
  });

  test('with Prefer: tx=rollback the analyzed write is rolled back and the plan still returned', async () => {
    const r = await request(gateway(), 'POST', '/media_log', {
      body: JSON.stringify({ id: 8002, note: 'rolled back' }),
      headers: { 'content-type': 'application/json', prefer: 'tx=rollback', accept: 'application/vnd.pgrst.plan+json; options=analyze' },
    });
    assert.equal(r.status, 200);
    const plan = r.json() as { Plan: { 'Node Type': string } }[];
    assert.ok(JSON.stringify(plan).includes('"Operation":"Insert"'));
    assert.deepEqual(await sqlQuery('SELECT note FROM api.media_log WHERE id = 8002'), []);
    // The connection is usable afterwards (the explicit transaction ended).
    const next = await request(gateway(), 'GET', '/media_log?id=eq.8001&select=id', {});
    assert.deepEqual(next.json(), [{ id: 8001 }]);
  });

  test('a failing analyzed write under tx=rollback answers its error and leaves the connection clean', async () => {
    const r = await request(gateway(), 'POST', '/media_log', {
      body: JSON.stringify({ id: 8001, note: 'duplicate' }),
      headers: { 'content-type': 'application/json', prefer: 'tx=rollback', accept: 'application/vnd.pgrst.plan; options=analyze' },
    });
    assert.equal(r.status, 409);
    assert.equal((r.json() as { code: string }).code, '23505');
    const replies = await Promise.all([1, 2, 3].map(() => request(gateway(), 'GET', '/media_log?id=eq.8001&select=note', {})));
    for (const next of replies) assert.deepEqual(next.json(), [{ note: 'planned' }]);
  });

  test('a plan without analyze never runs the write', async () => {
    const r = await request(gateway(), 'DELETE', '/media_log?id=eq.8001', { headers: { accept: 'application/vnd.pgrst.plan' } });
    assert.equal(r.status, 200);
    assert.match(r.text, /Delete on media_log/);
    assert.deepEqual(await sqlQuery('SELECT id FROM api.media_log WHERE id = 8001'), [{ id: 8001 }]);
  });
});
