// Aborting a request (the HTTP client went away) through Pool.run's AbortSignal: a waiting
// batch leaves the queue, a running batch is cancelled (57014) with or without pipelined
// neighbours, a sent batch behind others is cancelled once it runs, and a neighbour hit by a
// late cancel is re-sent, never failed; a cancel the server did not act on is sent again. Also: notices reach onNotice with their SQLSTATE.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError, Connection, PgError, Pool, type PoolOptions } from '../../protocol/index.js';
import { column, eventually, noHang, testConnInfo } from '../helpers/protocol.js';
import { sqlQuery } from '../helpers/gateway.js';

const base: PoolOptions = { size: 1, pipelineDepth: 1, acquisitionTimeoutMs: 30000, statementCacheSize: 10, preparedStatements: true };

async function running(app: string, like: string): Promise<boolean> {
  const rows = await sqlQuery<{ n: number }>("select count(*)::int as n from pg_stat_activity where application_name = $1 and state = 'active' and query like $2", [app, like]);
  return rows[0]!.n > 0;
}

describe('aborting a batch', () => {
  test('a waiting batch leaves the queue at once with ABORTED', async () => {
    const pool = new Pool(testConnInfo('proto-abort-wait'), base);
    try {
      const slow = pool.run([{ text: 'select pg_sleep(0.5)', params: [] }]);
      const ac = new AbortController();
      const waiting = pool.run([{ text: 'select 1', params: [] }], ac.signal);
      const rejected = assert.rejects(waiting, (e: unknown) => e instanceof ClientError && e.code === 'ABORTED');
      ac.abort();
      // Far below the 30 s acquisition timeout: it left the queue, it did not time out.
      await noHang(rejected, 5000, 'the aborted waiter');
      await slow;
    } finally {
      await pool.end();
    }
  });

  test('a running batch alone on its connection is cancelled; the connection serves again', async () => {
    const app = 'proto-abort-run';
    const pool = new Pool(testConnInfo(app), base);
    try {
      const ac = new AbortController();
      const slow = pool.run([{ text: 'select pg_sleep(30)', params: [] }], ac.signal);
      const rejected = assert.rejects(noHang(slow, 10000, 'the cancelled batch'), (e: unknown) => e instanceof PgError && e.code === '57014');
      await eventually(() => running(app, '%pg_sleep(30)%'), 5000, 'the query to start');
      ac.abort();
      await rejected;
      assert.deepEqual(column((await noHang(pool.run([{ text: 'select 2', params: [] }]), 10000, 'next batch'))[0]), ['2']);
    } finally {
      await pool.end();
    }
  });

  test('a running batch with pipelined neighbours is cancelled; the neighbour is answered', async () => {
    const app = 'proto-abort-neighbour';
    const pool = new Pool(testConnInfo(app), { ...base, pipelineDepth: 4 });
    try {
      const ac = new AbortController();
      const first = pool.run([{ text: "select 'first', pg_sleep(30)", params: [] }], ac.signal);
      const second = pool.run([{ text: "select 'second'", params: [] }]);
      await eventually(() => running(app, '%pg_sleep(30)%'), 5000, 'the first query to start');
      ac.abort();
      await assert.rejects(noHang(first, 10000, 'first'), (e: unknown) => e instanceof PgError && e.code === '57014');
      assert.deepEqual(column((await noHang(second, 10000, 'second'))[0]), ['second']);
    } finally {
      await pool.end();
    }
  });

  test('a sent batch still queued behind another is cancelled when it starts', async () => {
    const app = 'proto-abort-queued';
    const conn = await Connection.connect(testConnInfo(app), { statementCacheSize: 10, preparedStatements: true });
    try {
      const first = conn.send([{ text: "select 'first', pg_sleep(0.3)", params: [] }]);
      const second = conn.submit([{ text: "select 'second', pg_sleep(30)", params: [] }]);
      const third = conn.send([{ text: "select 'third'", params: [] }]);
      await eventually(() => running(app, "%'first'%"), 5000, 'the first query to start');
      await conn.abortBatch(second);
      assert.deepEqual(column((await noHang(first, 10000, 'first'))[0]), ['first']);
      await assert.rejects(noHang(second.promise, 10000, 'second (30 s unless cancelled)'), (e: unknown) => e instanceof PgError && e.code === '57014');
      assert.deepEqual(column((await noHang(third, 10000, 'third'))[0]), ['third']);
    } finally {
      await conn.close();
    }
  });

  test('a cancel that lands on the next batch re-sends that batch instead of failing it', async () => {
    const app = 'proto-abort-late';
    const conn = await Connection.connect(testConnInfo(app), { statementCacheSize: 10, preparedStatements: true });
    try {
      // The first batch is usually over before the CancelRequest (a new TCP connection)
      // lands, so it hits the second one, which must be re-sent and answered. The first, its
      // target, may be answered or cancelled.
      const first = conn.submit([{ text: "select 'first'", params: [] }]);
      const second = conn.send([{ text: "select 'second', pg_sleep(0.5)", params: [] }]);
      const outcome = first.promise.then(
        (r) => column(r[0])[0],
        (e: unknown) => (e instanceof PgError ? e.code : String(e)),
      );
      await conn.abortBatch(first);
      assert.ok(['first', '57014'].includes((await noHang(outcome, 10000, 'first'))!));
      assert.deepEqual(column((await noHang(second, 10000, 'second'))[0]), ['second']);
      assert.ok(conn.resentAfterCancel <= 1);
    } finally {
      await conn.close();
    }
  });

  test('a cancel the server does not act on is sent again while its batch still runs', async () => {
    const app = 'proto-abort-again';
    const pool = new Pool(testConnInfo(app), base);
    try {
      const ac = new AbortController();
      // The first cancel is swallowed, as the server drops one that arrives while the backend
      // waits for the batch's next message: only a second one ends the batch.
      const text = "DO $$ BEGIN BEGIN PERFORM pg_sleep(30); EXCEPTION WHEN query_canceled THEN NULL; END; PERFORM pg_sleep(30); END $$";
      const slow = pool.run([{ text, params: [] }], ac.signal);
      const rejected = assert.rejects(noHang(slow, 10000, 'the twice-cancelled batch'), (e: unknown) => e instanceof PgError && e.code === '57014');
      await eventually(() => running(app, '%query_canceled%'), 5000, 'the block to start');
      ac.abort();
      await rejected;
      assert.deepEqual(column((await noHang(pool.run([{ text: 'select 3', params: [] }]), 10000, 'next batch'))[0]), ['3']);
    } finally {
      await pool.end();
    }
  });
});

describe('notices', () => {
  test('RAISE NOTICE reaches onNotice with its SQLSTATE and the batch still succeeds', async () => {
    const notices: PgError[] = [];
    const conn = await Connection.connect(testConnInfo('proto-notice'), { statementCacheSize: 10, preparedStatements: true, onNotice: (n) => notices.push(n) });
    try {
      const [r] = await conn.send([{ text: "do $$ begin raise notice 'hello %', 42 using hint = 'a hint'; end $$", params: [] }]);
      assert.equal(r?.command, 'DO');
      assert.equal(notices.length, 1);
      assert.equal(notices[0]!.code, '00000');
      assert.equal(notices[0]!.message, 'hello 42');
      assert.equal(notices[0]!.fields.hint, 'a hint');
      assert.equal(notices[0]!.fields.severity, 'NOTICE');
    } finally {
      await conn.close();
    }
  });
});
