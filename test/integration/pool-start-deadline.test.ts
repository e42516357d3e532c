// Issue 15 item 2: db-pool-acquisition-timeout counts until a batch's statements start, also
// for a batch pipelined behind one that turned slow after it was assigned. A read-only batch
// moves to a connection that is idle, else gets POOL_TIMEOUT (504 PGRST003) at the timeout and
// is cancelled if it starts later; the slow batch ahead is not disturbed; a write keeps its
// place (answering it before it runs could misreport a write that then commits).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError, Pool, type PoolOptions } from '../../protocol/index.js';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';
import { column, eventually, noHang, testConnInfo } from '../helpers/protocol.js';

const options: PoolOptions = { size: 1, pipelineDepth: 16, acquisitionTimeoutMs: 300, statementCacheSize: 100, preparedStatements: true };
const sleep = (secs: string): { text: string; params: string[] } => ({ text: 'select pg_sleep($1::float8)', params: [secs] });

/** A pool whose first connection knows `select pg_sleep($1)` as fast (it ran in no time there). */
async function warmPool(app: string, size = 1): Promise<Pool> {
  const pool = new Pool(testConnInfo(app), { ...options, size, acquisitionTimeoutMs: size === 1 ? 300 : 5000 });
  await pool.warm();
  await pool.run([sleep('0')]);
  await pool.run([sleep('0')]);
  return pool;
}

async function running(app: string, like: string): Promise<number> {
  const rows = await sqlQuery<{ n: number }>("select count(*)::int as n from pg_stat_activity where application_name = $1 and state = 'active' and query like $2", [app, like]);
  return rows[0]!.n;
}

describe('acquisition timeout until the statements start', () => {
  test('a read-only batch pipelined behind a batch that turned slow gets POOL_TIMEOUT and is cancelled when it starts', async () => {
    const app = 'hold-deadline-read';
    const pool = await warmPool(app);
    try {
      const order: string[] = [];
      // Fast last time, so the read is pipelined behind it; this time it sleeps.
      const slow = pool.run([sleep('1.5')]).then((r) => (order.push('slow'), r));
      const read = pool.run([{ text: "select 'hold-late-read', pg_sleep(30)", params: [] }], undefined, { readOnly: true }).then(
        () => order.push('read ok'),
        (e: unknown) => {
          order.push(e instanceof ClientError ? e.code : String(e));
        },
      );
      await noHang(read, 10_000, 'the pipelined read');
      assert.deepEqual(order, ['POOL_TIMEOUT'], 'refused before the slow batch ahead finished');
      // The batch ahead was not disturbed by the refusal.
      assert.deepEqual(column((await noHang(slow, 10_000, 'the slow batch'))[0]), ['']);
      // The refused read started after it and was cancelled: its 30 s sleep is not running.
      await eventually(async () => (await running(app, '%hold-late-read%')) === 0, 10_000, 'the refused read to be cancelled');
      assert.deepEqual(column((await noHang(pool.run([{ text: 'select 7', params: [] }]), 10_000, 'the next batch'))[0]), ['7']);
      assert.equal(pool.stats().timeouts, 1);
    } finally {
      await pool.end();
    }
  });

  test('a read-only batch pipelined behind a batch that turned slow moves to a connection that went idle', async () => {
    const app = 'hold-deadline-move';
    const pool = await warmPool(app, 2);
    try {
      const order: string[] = [];
      // The first connection runs what turns slow; the second is busy for a moment, so the read
      // is pipelined behind the first, then finds the second idle.
      const slow = pool.run([sleep('2')]).then((r) => (order.push('slow'), r));
      const brief = pool.run([{ text: 'select 1', params: [] }]);
      const read = pool.run([{ text: "select 'hold-moved'", params: [] }], undefined, { readOnly: true }).then((r) => (order.push('read'), r));
      assert.deepEqual(column((await brief)[0]), ['1']);
      assert.deepEqual(column((await noHang(read, 10_000, 'the moved read'))[0]), ['hold-moved']);
      assert.deepEqual(order, ['read'], 'answered before the slow batch ahead of its first copy finished');
      assert.deepEqual(column((await noHang(slow, 10_000, 'the slow batch'))[0]), ['']);
      assert.equal(pool.stats().timeouts, 0);
      assert.deepEqual(column((await noHang(pool.run([{ text: 'select 8', params: [] }]), 10_000, 'the next batch'))[0]), ['8']);
    } finally {
      await pool.end();
    }
  });

  test('a write pipelined behind a batch that turned slow keeps its place and runs', async () => {
    const pool = await warmPool('hold-deadline-write');
    try {
      const order: string[] = [];
      const slow = pool.run([sleep('1')]).then(() => order.push('slow'));
      const write = pool.run([{ text: "select 'write'", params: [] }]).then((r) => {
        order.push('write');
        return r;
      });
      const [r] = await noHang(write, 10_000, 'the pipelined write');
      await slow;
      assert.deepEqual(column(r), ['write']);
      assert.deepEqual(order, ['slow', 'write']);
      assert.equal(pool.stats().timeouts, 0);
    } finally {
      await pool.end();
    }
  });

  test('a read-only batch that starts in time is answered, however long it runs', async () => {
    const pool = await warmPool('hold-deadline-started');
    try {
      // Pipelined behind a fast batch, it starts at once and runs past the timeout.
      const first = pool.run([sleep('0')]);
      const long = pool.run([sleep('0.8')], undefined, { readOnly: true });
      await first;
      assert.deepEqual(column((await noHang(long, 10_000, 'the long read'))[0]), ['']);
      assert.equal(pool.stats().timeouts, 0);
    } finally {
      await pool.end();
    }
  });
});

describe('over HTTP with db-pool=1', () => {
  const gw = suiteGateway({ PGRST_DB_POOL: '1', PGRST_DB_POOL_ACQUISITION_TIMEOUT: '1' });

  test('a GET behind a call that turned slow gets 504 PGRST003 before the call ends', async () => {
    // The call ran fast twice, so a GET arriving while it runs again may be pipelined behind it.
    for (let i = 0; i < 2; i++) assert.equal((await request(gw(), 'GET', '/rpc/proto63_sleep?secs=0')).status, 200);
    const order: string[] = [];
    const slow = request(gw(), 'GET', '/rpc/proto63_sleep?secs=3').then((r) => (order.push('slow'), r));
    const get = request(gw(), 'GET', '/proto63_read?id=eq.1').then((r) => (order.push('get'), r));
    const r = await noHang(get, 20_000, 'the GET');
    assert.equal(r.status, 504, r.text);
    assert.equal((r.json() as { code: string }).code, 'PGRST003');
    assert.equal((await noHang(slow, 20_000, 'the slow call')).status, 200);
    assert.deepEqual(order, ['get', 'slow']);
  });
});
