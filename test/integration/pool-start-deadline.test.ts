// Issue 15 item 2: db-pool-acquisition-timeout counts until a batch's statements start, also
// for a batch pipelined behind one that turned slow after it was assigned. A read-only batch
// moves to a connection that is idle, else gets POOL_TIMEOUT (504 PGRST003) at the timeout and
// is cancelled if it starts later; the slow batch ahead is not disturbed; a write keeps its
// place, behind a start guard that fails its transaction in PostgreSQL should it start after
// the timeout: 504 PGRST003 then, and the write provably not applied (it never ran).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortFlag, ClientError, Connection, PgError, Pool, type PoolOptions } from '../../protocol/index.js';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';
import { column, eventually, noHang, testConnInfo } from '../helpers/protocol.js';

const options: PoolOptions = { size: 1, pipelineDepth: 16, acquisitionTimeoutMs: 300, statementCacheSize: 100, preparedStatements: true };
const sleep = (secs: string): { text: string; params: string[] } => ({ text: 'select pg_sleep($1::float8)', params: [secs] });
const insert = (id: number, note: string): { text: string; params: string[] } => ({ text: 'insert into api.guard63_rows values ($1, $2)', params: [String(id), note] });
/** Whether the start guard was prepared on the session that runs this (1) or not (0). */
const guardsPrepared = { text: 'select api.guard63_guards()', params: [] };

async function rowsOf(id: number): Promise<string[]> {
  return (await sqlQuery<{ note: string }>('select note from api.guard63_rows where id = $1', [id])).map((r) => r.note);
}

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

  test('a write pipelined behind a batch that turned slow fails in its start guard: POOL_TIMEOUT, not applied', async () => {
    const pool = await warmPool('hold-deadline-write');
    try {
      const order: string[] = [];
      const slow = pool.run([sleep('1')]).then(() => order.push('slow'));
      const write = pool.run([insert(101, 'late')]).then(
        () => order.push('write ok'),
        (e: unknown) => order.push(e instanceof ClientError ? e.code : String(e)),
      );
      await noHang(Promise.all([slow, write]), 10_000, 'the slow batch and the pipelined write');
      // It kept its place (answered after the batch ahead), and refused when it started late.
      assert.deepEqual(order, ['slow', 'POOL_TIMEOUT']);
      assert.deepEqual(await rowsOf(101), [], 'the refused write was not applied');
      assert.equal(pool.stats().timeouts, 1);
      assert.deepEqual(column((await noHang(pool.run([{ text: 'select 9', params: [] }]), 10_000, 'the next batch'))[0]), ['9']);
    } finally {
      await pool.end();
    }
  });

  test('without prepared statements too (PgBouncer), a late write is refused and not applied (it waits in the queue: nothing is pipelined there)', async () => {
    const pool = new Pool(testConnInfo('hold-deadline-unnamed'), { ...options, preparedStatements: false });
    try {
      await pool.warm();
      await pool.run([sleep('0')]);
      await pool.run([sleep('0')]);
      const slow = pool.run([sleep('1')]);
      const write = pool.run([insert(102, 'late')]).then(
        () => 'write ok',
        (e: unknown) => (e instanceof ClientError ? e.code : String(e)),
      );
      assert.equal(await noHang(write, 10_000, 'the pipelined write'), 'POOL_TIMEOUT');
      await slow;
      assert.deepEqual(await rowsOf(102), []);
    } finally {
      await pool.end();
    }
  });

  test('a write pipelined behind a fast batch starts in time: guarded, applied, answered as without the guard', async () => {
    const pool = await warmPool('hold-deadline-write-fast');
    try {
      const first = pool.run([sleep('0')]);
      const write = pool.run([insert(103, 'in time'), { text: 'select note from api.guard63_rows where id = 103', params: [] }]);
      await first;
      const results = await noHang(write, 10_000, 'the pipelined write');
      assert.equal(results.length, 2, 'the guard result is not handed back');
      assert.equal(results[0]!.command, 'INSERT 0 1');
      assert.deepEqual(column(results[1]), ['in time']);
      assert.deepEqual(await rowsOf(103), ['in time']);
      // The guard went out on this connection (size 1): the write was pipelined.
      assert.deepEqual(column((await pool.run([guardsPrepared]))[0]), ['1']);
      assert.equal(pool.stats().timeouts, 0);
    } finally {
      await pool.end();
    }
  });

  test("a pipelined write's own errors are its own: a division by zero after the guard is not a timeout", async () => {
    const pool = await warmPool('hold-deadline-write-errors');
    try {
      const first = pool.run([sleep('0')]);
      const zero = pool.run([{ text: 'select 1 / 0', params: [] }]).then(
        () => 'ok',
        (e: unknown) => (e instanceof PgError ? e.code : e instanceof ClientError ? e.code : String(e)),
      );
      await first;
      assert.equal(await zero, '22012');
      // The same with a statement before the failing one.
      const again = pool.run([sleep('0')]);
      const dup = pool.run([{ text: 'select 1', params: [] }, insert(2, 'dup')]).catch((e: unknown) => e);
      await again;
      const err = await dup;
      assert.ok(err instanceof PgError, String(err));
      assert.equal(err.code, '23505');
      // What ran before the failing statement, without the guard's row.
      assert.deepEqual(err.completed.map((rows) => rows.map((r) => r[0]?.toString())), [['1']]);
      assert.equal(pool.stats().timeouts, 0);
      assert.deepEqual(column((await pool.run([guardsPrepared]))[0]), ['1'], 'they were pipelined, behind the guard');
    } finally {
      await pool.end();
    }
  });

  test('a write on an idle connection carries no guard', async () => {
    const pool = new Pool(testConnInfo('hold-deadline-idle'), options);
    try {
      await pool.run([insert(104, 'idle')]);
      await pool.run([insert(105, 'idle')]);
      assert.deepEqual(column((await pool.run([guardsPrepared]))[0]), ['0']);
      assert.deepEqual(await rowsOf(104), ['idle']);
    } finally {
      await pool.end();
    }
  });

  test('a pipelined write whose client went away before it started is not applied', async () => {
    const pool = await warmPool('hold-deadline-write-gone');
    try {
      const flag = new AbortFlag();
      const slow = pool.run([sleep('1')]);
      const write = pool.run([insert(106, 'gone')], flag).then(
        () => 'write ok',
        (e: unknown) => (e instanceof ClientError || e instanceof PgError ? e.code : String(e)),
      );
      await new Promise((r) => setTimeout(r, 100));
      flag.abort();
      await noHang(slow, 10_000, 'the slow batch');
      assert.notEqual(await noHang(write, 10_000, 'the aborted write'), 'write ok');
      assert.deepEqual(await rowsOf(106), []);
      assert.deepEqual(column((await noHang(pool.run([{ text: 'select 10', params: [] }]), 10_000, 'the next batch'))[0]), ['10']);
    } finally {
      await pool.end();
    }
  });

  test('each pool connection knows its clock offset to the server (same host: under a second)', async () => {
    const conn = await Connection.connect(testConnInfo('hold-deadline-clock'), { statementCacheSize: 10, preparedStatements: true });
    try {
      assert.equal(conn.clockOffsetMs, null);
      await conn.measureClock();
      const offset = conn.clockOffsetMs;
      assert.ok(offset !== null && Math.abs(offset) < 1000, String(offset));
    } finally {
      await conn.close();
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

  test('a POST and a PATCH pipelined behind a call that turned slow get 504 PGRST003 and are not applied', async () => {
    const pool = gw().state.pool;
    const json = { 'Content-Type': 'application/json' };
    const writes: [string, string, string][] = [
      ['POST', '/guard63_rows', JSON.stringify({ id: 1, note: 'late' })],
      ['PATCH', '/guard63_rows?id=eq.2', JSON.stringify({ note: 'late' })],
    ];
    for (const [method, path, body] of writes) {
      // The call ran fast last time, so a write arriving while it runs again is pipelined behind it.
      for (let i = 0; i < 2; i++) assert.equal((await request(gw(), 'GET', '/rpc/proto63_sleep?secs=0')).status, 200);
      const before = pool.dispatched;
      const slow = request(gw(), 'GET', '/rpc/proto63_sleep?secs=3');
      await noHang(dispatched(pool, before), 10_000, 'the slow call to be sent');
      const r = await noHang(request(gw(), method, path, { body, headers: json }), 20_000, method);
      assert.equal(r.status, 504, `${method}: ${r.text}`);
      assert.deepEqual(r.json(), { code: 'PGRST003', details: null, hint: null, message: 'Timed out acquiring connection from connection pool.' });
      assert.equal((await noHang(slow, 20_000, 'the slow call')).status, 200);
    }
    assert.deepEqual(await sqlQuery('select id, note from api.guard63_rows where id in (1, 2) order by id'), [{ id: 2, note: 'before' }], 'neither write was applied');
    // Both were refused in PostgreSQL by their guard, or, had one missed the pipelining window,
    // in the queue; at least one went through the guard on the one connection.
    const guards = await request(gw(), 'GET', '/rpc/guard63_guards');
    assert.equal(guards.text, '1');
  });

  test('a POST next to fast requests is applied', async () => {
    const [get, post] = await Promise.all([
      request(gw(), 'GET', '/proto63_read?id=eq.1'),
      request(gw(), 'POST', '/guard63_rows', { body: JSON.stringify({ id: 3, note: 'fast' }), headers: { 'Content-Type': 'application/json' } }),
    ]);
    assert.equal(get.status, 200, get.text);
    assert.equal(post.status, 201, post.text);
    assert.deepEqual(await rowsOf(3), ['fast']);
  });
});

/** Resolves once the pool has handed more than `before` batches to a connection. */
async function dispatched(pool: Pool, before: number): Promise<void> {
  while (pool.dispatched <= before) await new Promise((r) => setImmediate(r));
}
