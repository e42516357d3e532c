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
