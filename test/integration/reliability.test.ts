// Issue 15 over HTTP: a 64 MB result is read while small GETs keep being answered; with
// db-pool=2, slow calls neither run one after another nor hold fast GETs behind them (504
// PGRST003 after db-pool-acquisition-timeout instead); a client that goes away has its
// running call cancelled.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { request, sqlQuery, startTestGateway } from '../helpers/gateway.js';
import { eventually, noHang } from '../helpers/protocol.js';

describe('big results', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({ PGRST_DB_POOL: '4' });
  });
  after(async () => {
    await gw.stop();
  });

  test('a 64 MB result completes while small GETs are answered meanwhile', async () => {
    const size = 64 * 1024 * 1024;
    let bigDone = false;
    const big = request(gw, 'GET', `/rpc/proto63_big?n=${size}`).then((r) => {
      bigDone = true;
      return r;
    });
    let answeredMeanwhile = 0;
    while (!bigDone) {
      const r = await noHang(request(gw, 'GET', '/rpc/proto63_big?n=3'), 30000, 'a small GET during the big read');
      assert.equal(r.status, 200);
      assert.equal(r.text, '"xxx"');
      if (!bigDone) answeredMeanwhile++;
    }
    const r = await noHang(big, 60000, 'the 64 MB read');
    assert.equal(r.status, 200);
    assert.equal(r.text.length, size + 2);
    assert.ok(r.text.startsWith('"xxx') && r.text.endsWith('xxx"'));
    assert.ok(answeredMeanwhile > 0, 'no small GET was answered while the big result was read');
  });
});

describe('slow calls with db-pool=2', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({ PGRST_DB_POOL: '2', PGRST_DB_POOL_ACQUISITION_TIMEOUT: '1' });
  });
  after(async () => {
    await gw.stop();
  });

  test('slow calls beyond the pool get 504 PGRST003; a fast GET is not queued behind them', async () => {
    const order: string[] = [];
    const call = (name: string, path: string): Promise<number> =>
      request(gw, 'GET', path).then((r) => {
        order.push(name);
        if (r.status === 504) assert.equal((r.json() as { code: string }).code, 'PGRST003');
        return r.status;
      });
    // Warm both connections so the slow calls do not wait for connects.
    await Promise.all([request(gw, 'GET', '/proto63_read?limit=1'), request(gw, 'GET', '/proto63_read?limit=1')]);
    const slow = Array.from({ length: 8 }, (_, i) => call(`slow${i}`, '/rpc/proto63_sleep?secs=2'));
    await eventually(async () => {
      const rows = await sqlQuery<{ n: number }>("select count(*)::int as n from pg_stat_activity where state = 'active' and query like '%proto63_sleep%' and pid <> pg_backend_pid()");
      return rows[0]!.n === 2;
    }, 10000, 'two slow calls to run');
    const fast = call('fast', '/proto63_read?id=eq.1');
    const statuses = await noHang(Promise.all([...slow, fast]), 30000, 'every call');
    const slowStatuses = statuses.slice(0, 8);
    // Two run (one per connection); the others wait for a connection and time out instead of
    // running one after another on a pipeline.
    assert.equal(slowStatuses.filter((s) => s === 200).length, 2, slowStatuses.join(','));
    assert.equal(slowStatuses.filter((s) => s === 504).length, 6, slowStatuses.join(','));
    // The fast GET is answered (504: both connections are busy for 2 s) before the running
    // slow calls finish: it was not pipelined behind one of them.
    const fastAt = order.indexOf('fast');
    const firstSlowOk = Math.min(...order.map((n, i) => (n.startsWith('slow') && slowStatuses[Number(n.slice(4))] === 200 ? i : Infinity)));
    assert.ok(fastAt < firstSlowOk, order.join(','));
    assert.equal(statuses[8], 504);
    // And the pool serves at once afterwards.
    assert.equal((await request(gw, 'GET', '/proto63_read?id=eq.1')).status, 200);
  });

  test('a call whose client went away is cancelled, and one still waiting never runs', async () => {
    const active = async (): Promise<number> =>
      (await sqlQuery<{ n: number }>("select count(*)::int as n from pg_stat_activity where state = 'active' and query like '%proto63_sleep%' and pid <> pg_backend_pid()"))[0]!.n;
    const controllers = [0, 1, 2].map(() => new AbortController());
    const pending = controllers.map((c) => fetch(`http://127.0.0.1:${gw.port}/rpc/proto63_sleep?secs=20`, { signal: c.signal }).catch((e: unknown) => e));
    await eventually(async () => (await active()) === 2, 10000, 'two calls to run');
    for (const c of controllers) c.abort();
    for (const p of pending) assert.ok((await p) instanceof Error);
    await eventually(async () => (await active()) === 0, 10000, 'the running calls to be cancelled well before their 20 s');
    // The third never got a connection: had it stayed queued, it would start now.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await active(), 0, 'the aborted waiting call ran anyway');
    const r = await noHang(request(gw, 'GET', '/proto63_read?id=eq.1'), 10000, 'the next request');
    assert.equal(r.status, 200);
  });
});

describe('big CSV bodies', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.stop();
  });
  const csv = (rows: number): string => 'name,n\n' + Array.from({ length: rows }, (_, i) => `"row ""${i}"", big",${i}`).join('\n');
  const post = (path: string, body: string): ReturnType<typeof request> =>
    request(gw, 'POST', path, { body, headers: { 'Content-Type': 'text/csv', Prefer: 'return=minimal' } });

  test('a large body to a missing table is refused with 404 PGRST205 before it is parsed', async () => {
    // Unterminated quote: parsed first, this would be 400 "Empty or invalid csv".
    const bad = csv(60000) + '\n"unterminated';
    assert.ok(bad.length > 1024 * 1024);
    const r = await post('/proto63_missing', bad);
    assert.equal(r.status, 404, r.text);
    assert.equal((r.json() as { code: string }).code, 'PGRST205');
    // A small one is parsed first, as PostgREST does.
    assert.equal((await post('/proto63_missing', 'name\n"unterminated')).status, 400);
  });

  test('a 2 MB CSV is inserted; without INSERT privilege it is refused', async () => {
    const body = csv(60000);
    const ok = await post('/proto63_csv', body);
    assert.equal(ok.status, 201, ok.text);
    const [row] = await sqlQuery<{ n: number }>("select count(*)::int as n from api.proto63_csv where name like 'row \"%\", big'");
    assert.equal(row!.n, 60000);
    const denied = await request(gw, 'POST', '/proto63_readonly', { body: 'id,name\n1,a', headers: { 'Content-Type': 'text/csv' } });
    assert.equal(denied.status, 401, denied.text);
    assert.equal((denied.json() as { code: string }).code, '42501');
  });
});
