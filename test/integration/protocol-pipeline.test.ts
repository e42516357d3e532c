// Pipelining on one real connection: replies come back to the right caller in order, an
// error in one batch leaves its neighbours untouched, and transaction-local role and
// settings never leak into the next batch on the same connection (RLS with two roles).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, PgError, type Query } from '../../protocol/index.js';
import { column, noHang, testConnInfo } from '../helpers/protocol.js';

describe('pipelined batches on one connection', () => {
  let conn: Connection;
  before(async () => {
    conn = await Connection.connect(testConnInfo('proto-pipeline'), { statementCacheSize: 100, preparedStatements: true });
  });
  after(async () => {
    await conn.close();
  });

  test('200 batches in flight at once each get their own reply', async () => {
    const sent = Array.from({ length: 200 }, (_, i) => conn.send([{ text: 'select $1::int * 2', params: [String(i)] }]));
    // All were queued before any reply could arrive: they really share the pipeline.
    assert.equal(conn.inFlight, 200);
    const replies = await noHang(Promise.all(sent), 10000, 'pipelined batches');
    replies.forEach((r, i) => assert.deepEqual(column(r[0]), [String(i * 2)]));
    assert.equal(conn.inFlight, 0);
  });

  test('discardColumns: its rows are counted, empty; the batch\'s other statements and every command tag come through', async () => {
    const [a, b] = await noHang(
      conn.send([
        { text: 'select g, g * 2 from generate_series(1, 3) g', params: [], discardColumns: true },
        { text: 'select $1::text, null::text', params: ['x'] },
      ]),
      10000,
      'discardColumns batch',
    );
    assert.deepEqual(a!.rows, [[], [], []]);
    assert.equal(a!.command, 'SELECT 3');
    assert.deepEqual(b!.rows.map((r) => r.map((c) => c?.toString() ?? null)), [['x', null]]);
    assert.equal(b!.command, 'SELECT 1');
    const [set] = await conn.send([{ text: 'set local statement_timeout = 1000', params: [] }]);
    assert.equal(set!.command, 'SET');
    assert.deepEqual(set!.rows, []);
  });

  test('a connection reports itself full at its pipeline depth', async () => {
    const small = await Connection.connect(testConnInfo('proto-depth'), { statementCacheSize: 10, preparedStatements: true, pipelineDepth: 2 });
    try {
      const a = small.send([{ text: 'select 1', params: [] }]);
      assert.equal(small.isFull, false);
      const b = small.send([{ text: 'select 2', params: [] }]);
      assert.equal(small.isFull, true);
      await Promise.all([a, b]);
      assert.equal(small.isFull, false);
    } finally {
      await small.close();
    }
  });

  test('batches queued in one tick leave in one socket write', async () => {
    const before = conn.writes;
    const sent = Array.from({ length: 50 }, (_, i) => conn.send([{ text: 'select $1::int', params: [String(i)] }, { text: 'select 1', params: [] }]));
    await noHang(Promise.all(sent), 10000, 'batches');
    assert.equal(conn.writes - before, 1);
  });

  test('an error in one pipelined batch leaves its neighbours untouched', async () => {
    const batches: Query[][] = Array.from({ length: 9 }, (_, i) => [
      { text: "select set_config('proto.n', $1, true)", params: [String(i)] },
      { text: i === 4 ? "select 1 / (current_setting('proto.n')::int - 4)" : "select current_setting('proto.n')", params: [] },
    ]);
    const settled = await noHang(Promise.allSettled(batches.map((b) => conn.send(b))), 10000, 'batches');
    settled.forEach((s, i) => {
      if (i === 4) {
        assert.equal(s.status, 'rejected');
        const err = (s as PromiseRejectedResult).reason as unknown;
        assert.ok(err instanceof PgError);
        assert.equal(err.code, '22012');
        // Every ErrorResponse field is kept, not just code and message.
        assert.equal(err.fields.severity, 'ERROR');
        assert.ok(err.fields.file !== undefined && err.fields.line !== undefined && err.fields.routine !== undefined);
      } else {
        assert.equal(s.status, 'fulfilled', `batch ${i}`);
        assert.deepEqual(column((s as PromiseFulfilledResult<Awaited<ReturnType<Connection['send']>>>).value[1]), [String(i)]);
      }
    });
  });

  test('two roles interleaved on one connection each see only their rows; nothing leaks', async () => {
    const asRole = (role: string): Query[] => [
      { text: "select set_config('role', $1, true), set_config('request.who', $1, true)", params: [role] },
      { text: 'select string_agg(body, \',\' order by id) from proto.notes', params: [] },
    ];
    const bare: Query[] = [{ text: "select current_user || '|' || coalesce(current_setting('request.who', true), '')", params: [] }];
    const plan = ['proto_alice', 'proto_bob', '', 'proto_alice', '', 'proto_bob', 'proto_bob', '', 'proto_alice'];
    const sent = plan.map((role) => conn.send(role === '' ? bare : asRole(role)));
    const replies = await noHang(Promise.all(sent), 10000, 'role batches');
    const user = (await conn.send([{ text: 'select current_user', params: [] }]))[0];
    const superuser = column(user)[0];
    plan.forEach((role, i) => {
      const r = replies[i]!;
      if (role === 'proto_alice') assert.deepEqual(column(r[1]), ['a1,a2'], `batch ${i}`);
      else if (role === 'proto_bob') assert.deepEqual(column(r[1]), ['b1'], `batch ${i}`);
      else assert.deepEqual(column(r[0]), [`${superuser}|`], `batch ${i}: role or setting leaked`);
    });
  });

  test('a failed batch does not leave its transaction open for the next one', async () => {
    const failing = conn.send([
      { text: "select set_config('role', 'proto_alice', true)", params: [] },
      { text: 'select * from proto.no_such_table', params: [] },
    ]);
    const next = conn.send([{ text: 'select count(*) from proto.notes', params: [] }]);
    await assert.rejects(failing, (e: unknown) => e instanceof PgError && e.code === '42P01');
    // Back as the superuser (RLS bypassed): all three rows.
    assert.deepEqual(column((await next)[0]), ['3']);
  });
});

describe('which batches may be pipelined', () => {
  for (const prepared of [true, false]) {
    // Without prepared statements never (a transaction-mode pooler may be in front: see
    // Connection.acceptsPipelined and protocol-pool.test.ts).
    test(`db-prepared-statements=${prepared}: ${prepared ? 'behind a statement that ran fast last time' : 'not even behind a statement that ran fast last time'}, not behind one never run`, async () => {
      const conn = await Connection.connect(testConnInfo('proto-pipe-known'), { statementCacheSize: 10, preparedStatements: prepared });
      try {
        await conn.send([{ text: 'select 1', params: [] }]);
        const known = conn.send([{ text: 'select 1', params: [] }]);
        assert.equal(conn.acceptsPipelined(Date.now()), prepared);
        await known;
        const unknown = conn.send([{ text: 'select 2', params: [] }]);
        assert.equal(conn.acceptsPipelined(Date.now()), false);
        await unknown;
      } finally {
        await conn.close();
      }
    });
  }
});
