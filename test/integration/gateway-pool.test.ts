// The pool as an HTTP client sees it: requests that need no database never reach it; with
// one connection held by a lock, a second request waits db-pool-acquisition-timeout and gets
// 504 PGRST003; the held request then completes.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { Gateway } from '../../gateway/app.js';
import { request, startTestGateway, superuserUri } from '../helpers/gateway.js';
import { noHang } from '../helpers/protocol.js';

describe('pool acquisition timeout over HTTP', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({ PGRST_DB_POOL: '1', PGRST_DB_POOL_PIPELINE_DEPTH: '1', PGRST_DB_POOL_ACQUISITION_TIMEOUT: '1' });
  });
  after(async () => {
    await gw.stop();
  });

  test('requests that need no database never touch the pool', async () => {
    const before = gw.state.pool.dispatched;
    assert.equal((await request(gw, 'GET', '/todos?id=eqq.1')).status, 400);
    assert.equal((await request(gw, 'GET', '/todoss')).status, 404);
    assert.equal((await request(gw, 'GET', '/todos', { headers: { Authorization: 'Bearer not.a.jwt' } })).status, 401);
    assert.equal(gw.state.pool.dispatched, before);
    assert.equal((await request(gw, 'GET', '/todos?limit=1')).status, 200);
    assert.equal(gw.state.pool.dispatched, before + 1);
  });

  test('a request that cannot get a connection → 504 PGRST003', async () => {
    const locker = new pg.Client({ connectionString: superuserUri() });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table api.proto_locked in access exclusive mode');
      const held = request(gw, 'GET', '/proto_locked');
      // Give the first request time to take the only connection and block on the lock.
      await new Promise((r) => setTimeout(r, 200));
      const r = await noHang(request(gw, 'GET', '/todos'), 10000, 'the waiting request');
      assert.equal(r.status, 504);
      assert.equal((r.json() as { code: string }).code, 'PGRST003');
      await locker.query('commit');
      const h = await noHang(held, 10000, 'the held request');
      assert.equal(h.status, 200);
      assert.deepEqual(h.json(), [{ id: 1 }]);
    } finally {
      await locker.end();
    }
  });
});
