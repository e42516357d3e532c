// The pool against a real server: acquisition timeout, application_name, idle and lifetime
// recycling, cancel, and pg_terminate_backend under load (every request settles, none is
// re-sent, and the pool serves again afterwards).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError, Connection, PgError, Pool, type PoolOptions } from '../../protocol/index.js';
import { sqlQuery } from '../helpers/gateway.js';
import { column, eventually, noHang, testConnInfo } from '../helpers/protocol.js';

const base: PoolOptions = { size: 2, pipelineDepth: 16, acquisitionTimeoutMs: 5000, statementCacheSize: 100, preparedStatements: true };

async function backends(app: string): Promise<number> {
  const rows = await sqlQuery<{ n: number }>('select count(*)::int as n from pg_stat_activity where application_name = $1', [app]);
  return rows[0]!.n;
}

describe('pool', () => {
  test('a batch that cannot get a connection in time fails with POOL_TIMEOUT', async () => {
    const pool = new Pool(testConnInfo('proto-timeout'), { ...base, size: 1, pipelineDepth: 1, acquisitionTimeoutMs: 100 });
    try {
      const slow = pool.run([{ text: 'select pg_sleep(1.5)', params: [] }]);
      await assert.rejects(pool.run([{ text: 'select 1', params: [] }]), (e: unknown) => e instanceof ClientError && e.code === 'POOL_TIMEOUT');
      await noHang(slow, 10000, 'the slow batch');
    } finally {
      await pool.end();
    }
  });

  test('connections carry application_name and close after db-pool-max-idletime', async () => {
    const app = 'proto-idle';
    const pool = new Pool(testConnInfo(app), { ...base, maxIdleMs: 200 });
    try {
      const [me] = await pool.run([{ text: 'select application_name from pg_stat_activity where pid = pg_backend_pid()', params: [] }]);
      assert.deepEqual(column(me), [app]);
      await eventually(async () => (await backends(app)) === 0, 10000, 'idle connections to close');
      // A later batch opens a new connection on demand.
      assert.deepEqual(column((await pool.run([{ text: 'select 2', params: [] }]))[0]), ['2']);
    } finally {
      await pool.end();
    }
  });

  test('db-pool-max-lifetime recycles a busy-then-idle connection', async () => {
    const pool = new Pool(testConnInfo('proto-lifetime'), { ...base, size: 1, maxLifetimeMs: 300 });
    try {
      const pid = async (): Promise<string | null> => column((await pool.run([{ text: 'select pg_backend_pid()', params: [] }]))[0])[0]!;
      const first = await pid();
      let second = first;
      await eventually(async () => (second = await pid()) !== first, 10000, 'a new backend after the lifetime');
      assert.notEqual(second, first);
    } finally {
      await pool.end();
    }
  });

  test('cancel() stops the running query with 57014', async () => {
    const conn = await Connection.connect(testConnInfo('proto-cancel'), { statementCacheSize: 10, preparedStatements: true });
    try {
      const slow = conn.send([{ text: 'select pg_sleep(30)', params: [] }]);
      await eventually(async () => (await backends('proto-cancel')) === 1, 5000, 'the query to start');
      await new Promise((r) => setTimeout(r, 100));
      // Attach the expectation first: the rejection may arrive before cancel() resolves.
      const rejected = assert.rejects(noHang(slow, 10000, 'the cancelled query'), (e: unknown) => e instanceof PgError && e.code === '57014');
      await conn.cancel();
      await rejected;
      assert.deepEqual(column((await conn.send([{ text: 'select 1', params: [] }]))[0]), ['1']);
    } finally {
      await conn.close();
    }
  });

  test('pg_terminate_backend mid-load: every request settles, failures are CONNECTION_CLOSED, then service resumes', async () => {
    const app = 'proto-terminate';
    const pool = new Pool(testConnInfo(app), { ...base, size: 3 });
    try {
      await pool.run([{ text: 'select 1', params: [] }]);
      let stop = false;
      const outcomes: string[] = [];
      const worker = async (): Promise<void> => {
        for (let i = 0; !stop; i++) {
          try {
            const r = await pool.run([{ text: 'select v, pg_sleep(0.002) from proto.kv where id = $1', params: [String((i % 1000) + 1)] }]);
            assert.deepEqual(column(r[0]), [`value ${(i % 1000) + 1}`]);
            outcomes.push('ok');
          } catch (e) {
            outcomes.push(e instanceof ClientError ? e.code : e instanceof PgError ? e.code : String(e));
          }
        }
      };
      const workers = Array.from({ length: 32 }, () => worker());
      await eventually(async () => outcomes.length > 50, 10000, 'load to start');
      await sqlQuery('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [app]);
      const before = outcomes.length;
      await eventually(async () => outcomes.slice(before).filter((o) => o === 'ok').length > 50, 15000, 'service to resume');
      stop = true;
      await noHang(Promise.all(workers), 10000, 'workers');
      const failures = outcomes.filter((o) => o !== 'ok');
      assert.ok(failures.length > 0, 'terminating the backends failed nothing: the test did not bite');
      for (const f of failures) assert.ok(f === 'CONNECTION_CLOSED' || f === 'CONNECT_FAILED', `unexpected failure ${f}`);
    } finally {
      await pool.end();
    }
  });

  test('writes under pg_terminate_backend: none is re-sent, every acknowledged one is there', async () => {
    const app = 'proto-terminate-writes';
    const pool = new Pool(testConnInfo(app), { ...base, size: 2 });
    try {
      let next = 0;
      let stop = false;
      const ok: number[] = [];
      const failed: string[] = [];
      const worker = async (): Promise<void> => {
        while (!stop) {
          const id = ++next;
          try {
            await pool.run([{ text: 'insert into proto.writes values ($1)', params: [String(id)] }]);
            ok.push(id);
          } catch (e) {
            failed.push(e instanceof ClientError ? e.code : e instanceof PgError ? e.code : String(e));
          }
        }
      };
      const workers = Array.from({ length: 16 }, () => worker());
      await eventually(async () => ok.length > 50, 10000, 'writes to start');
      await sqlQuery('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [app]);
      const before = ok.length;
      await eventually(async () => ok.length > before + 50, 15000, 'writes to resume');
      stop = true;
      await noHang(Promise.all(workers), 10000, 'workers');
      assert.ok(failed.length > 0, 'terminating the backends failed nothing: the test did not bite');
      // A re-sent insert would fail on the primary key (23505).
      for (const f of failed) assert.ok(f === 'CONNECTION_CLOSED' || f === 'CONNECT_FAILED', `unexpected failure ${f}`);
      const rows = new Set((await sqlQuery<{ id: number }>('select id from proto.writes')).map((r) => r.id));
      for (const id of ok) assert.ok(rows.has(id), `acknowledged write ${id} is missing`);
      assert.ok(rows.size <= ok.length + failed.length);
    } finally {
      await pool.end();
    }
  });
});

describe('no head-of-line blocking', () => {
  const settleOrder = (order: string[], name: string, p: Promise<unknown>): Promise<string> =>
    p.then(
      () => {
        order.push(name);
        return 'ok';
      },
      (e: unknown) => {
        order.push(name);
        return e instanceof ClientError ? e.code : e instanceof PgError ? e.code : String(e);
      },
    );

  test('a fast batch goes to an idle or new connection, not behind a running one', async () => {
    const app = 'proto-hol-idle';
    const pool = new Pool(testConnInfo(app), { ...base, size: 2, acquisitionTimeoutMs: 10000 });
    try {
      const order: string[] = [];
      const slow = settleOrder(order, 'slow', pool.run([{ text: 'select pg_sleep(1)', params: [] }]));
      const fast = settleOrder(order, 'fast', pool.run([{ text: 'select 1', params: [] }]));
      assert.deepEqual(await noHang(Promise.all([slow, fast]), 10000, 'both'), ['ok', 'ok']);
      assert.deepEqual(order, ['fast', 'slow']);
    } finally {
      await pool.end();
    }
  });

  test('with every connection running a slow batch, a new batch waits in the queue and times out first', async () => {
    const app = 'proto-hol-full';
    const pool = new Pool(testConnInfo(app), { ...base, size: 2, acquisitionTimeoutMs: 300 });
    try {
      const order: string[] = [];
      const slows = [1, 2].map((i) => settleOrder(order, `slow${i}`, pool.run([{ text: 'select pg_sleep(1.5)', params: [] }])));
      await eventually(async () => (await backends(app)) === 2, 5000, 'both connections');
      // Both run for a while now: pipelining behind either would wait 1.5 s.
      await eventually(async () => {
        const rows = await sqlQuery<{ n: number }>("select count(*)::int as n from pg_stat_activity where application_name = $1 and state = 'active'", [app]);
        return rows[0]!.n === 2;
      }, 5000, 'both slow batches to run');
      const fast = settleOrder(order, 'fast', pool.run([{ text: 'select 1', params: [] }]));
      assert.equal(await noHang(fast, 10000, 'fast'), 'POOL_TIMEOUT');
      assert.deepEqual(await noHang(Promise.all(slows), 10000, 'slow'), ['ok', 'ok']);
      assert.equal(order[0], 'fast');
      // The pool serves again at once.
      assert.deepEqual(column((await pool.run([{ text: 'select 2', params: [] }]))[0]), ['2']);
    } finally {
      await pool.end();
    }
  });

  test('a burst of slow batches on 2 connections: most time out instead of running one after another', async () => {
    const app = 'proto-hol-burst';
    const pool = new Pool(testConnInfo(app), { ...base, size: 2, acquisitionTimeoutMs: 500 });
    try {
      const outcomes = await noHang(
        Promise.all(Array.from({ length: 10 }, () => settleOrder([], 's', pool.run([{ text: 'select pg_sleep(1)', params: [] }])))),
        20000,
        'the burst',
      );
      const timeouts = outcomes.filter((o) => o === 'POOL_TIMEOUT').length;
      const ok = outcomes.filter((o) => o === 'ok').length;
      assert.equal(timeouts + ok, 10, outcomes.join(','));
      // Serialized on the pipelines they would all have run (10 s); two connections can run
      // only a few of them before the 500 ms acquisition timeout.
      assert.ok(timeouts >= 6, `only ${timeouts} timed out`);
    } finally {
      await pool.end();
    }
  });

  // The wire rule behind scale-pgbouncer-stress.test.ts: a pooler in transaction mode
  // (PgBouncer before 1.21) can hand the server away in the middle of a pipelined batch, so with
  // db-prepared-statements = false a connection takes a batch only when nothing is in flight.
  for (const preparedStatements of [true, false]) {
    test(`with prepared statements ${preparedStatements ? 'on batches are pipelined' : 'off nothing is pipelined'}`, async () => {
      // slowAfterMs far above any run time: only the rule under test decides.
      const conn = await Connection.connect(testConnInfo('proto-nopipe'), { statementCacheSize: 10, preparedStatements, slowAfterMs: 600_000 });
      try {
        const q = { text: 'select 1', params: [] };
        await conn.send([q]);
        const running = conn.send([q]);
        assert.equal(conn.inFlight, 1);
        assert.equal(conn.acceptsPipelined(Date.now()), preparedStatements);
        await running;
        assert.equal(conn.acceptsPipelined(Date.now()), preparedStatements);
      } finally {
        await conn.close();
      }
    });
  }

  for (const preparedStatements of [true, false]) {
    test(`a pool of one ${preparedStatements ? 'pipelines concurrent batches' : 'sends concurrent batches one at a time'} (prepared statements ${preparedStatements ? 'on' : 'off'})`, async () => {
      const pool = new Pool(testConnInfo('proto-nopipe-pool'), { ...base, size: 1, preparedStatements, slowAfterMs: 600_000 });
      // How many batches were already on the wire as each one was handed to the connection.
      const ahead: number[] = [];
      const submit = Connection.prototype.submit;
      Connection.prototype.submit = function (this: Connection, queries) {
        ahead.push(this.inFlight);
        return submit.call(this, queries);
      };
      try {
        const q = (i: number) => [{ text: 'select $1::int', params: [String(i)] }];
        await pool.run(q(-1));
        const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run(q(i))));
        assert.deepEqual(replies.map((r) => column(r[0])[0]), Array.from({ length: 20 }, (_, i) => String(i)));
        if (preparedStatements) assert.ok(Math.max(...ahead) > 0, `pipelined: ${ahead.join(',')}`);
        else assert.deepEqual(ahead, ahead.map(() => 0));
      } finally {
        Connection.prototype.submit = submit;
        await pool.end();
      }
    });
  }

});
