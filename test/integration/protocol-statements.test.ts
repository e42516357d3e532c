// The per-connection prepared-statement cache against a real server: a DDL change under a
// cached plan is survived by one re-prepare, a tiny cache closes what it evicts, and
// db-prepared-statements = false leaves no named statement behind.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../../protocol/index.js';
import { sqlQuery } from '../helpers/gateway.js';
import { column, testConnInfo } from '../helpers/protocol.js';

const countPrepared = { text: 'select count(*)::int from pg_prepared_statements', params: [] };

describe('prepared statements', () => {
  let conn: Connection;
  before(async () => {
    conn = await Connection.connect(testConnInfo('proto-statements'), { statementCacheSize: 100, preparedStatements: true });
  });
  after(async () => {
    await conn.close();
  });

  test('ALTER TABLE between two identical requests: the second succeeds through re-prepare', async () => {
    const q = { text: 'select * from proto.reprep where id = $1', params: ['1'] };
    const first = await conn.send([q]);
    assert.equal(first[0]!.rows[0]!.length, 2);
    await sqlQuery("alter table proto.reprep add column extra text not null default 'x'");
    const second = await conn.send([q]);
    assert.equal(second[0]!.rows[0]!.length, 3);
    assert.equal(second[0]!.rows[0]![2]!.toString(), 'x');
    // The whole batch is retried, not only the failing statement.
    const batch = await conn.send([{ text: "select set_config('proto.k', 'v', true)", params: [] }, q, { text: "select current_setting('proto.k')", params: [] }]);
    assert.deepEqual(column(batch[2]), ['v']);
  });

  test('a statement gone from the server (DEALLOCATE ALL) is prepared again', async () => {
    const q = { text: 'select v from proto.kv where id = $1', params: ['7'] };
    assert.deepEqual(column((await conn.send([q]))[0]), ['value 7']);
    await conn.send([{ text: 'deallocate all', params: [] }]);
    assert.deepEqual(column((await conn.send([q]))[0]), ['value 7']);
  });

  test('clearing the cache (schema reload) closes the server-side statements', async () => {
    await conn.send([{ text: 'select v from proto.kv where id = $1', params: ['3'] }]);
    assert.ok(Number(column((await conn.send([countPrepared]))[0])[0]) > 0);
    conn.clearStatementCache();
    // The count query itself is the only statement prepared after the clear.
    assert.deepEqual(column((await conn.send([countPrepared]))[0]), ['1']);
  });

  test('statement-cache key includes parameter types', async () => {
    const text = 'select pg_typeof($1)::text';
    assert.deepEqual(column((await conn.send([{ text, params: ['1'], types: [23] }]))[0]), ['integer']);
    assert.deepEqual(column((await conn.send([{ text, params: ['1'], types: [25] }]))[0]), ['text']);
  });
});

describe('a tiny statement cache', () => {
  test('evicted statements are closed on the server and queries stay correct', async () => {
    const conn = await Connection.connect(testConnInfo('proto-evict'), { statementCacheSize: 2, preparedStatements: true });
    try {
      for (let round = 0; round < 3; round++) {
        const replies = await Promise.all(
          Array.from({ length: 6 }, (_, i) => conn.send([{ text: `select v, ${i} as n from proto.kv where id = $1`, params: [String(i + 1)] }])),
        );
        replies.forEach((r, i) => assert.deepEqual(column(r[0]), [`value ${i + 1}`]));
      }
      const [count] = await conn.send([countPrepared]);
      assert.ok(Number(column(count)[0]) <= 2, `server holds ${column(count)[0]} statements`);
    } finally {
      await conn.close();
    }
  });
});

describe('db-prepared-statements = false', () => {
  test('only the unnamed statement is used', async () => {
    const conn = await Connection.connect(testConnInfo('proto-unnamed'), { statementCacheSize: 100, preparedStatements: false });
    try {
      for (let i = 0; i < 3; i++) assert.deepEqual(column((await conn.send([{ text: 'select v from proto.kv where id = $1', params: ['2'] }]))[0]), ['value 2']);
      assert.deepEqual(column((await conn.send([countPrepared]))[0]), ['0']);
    } finally {
      await conn.close();
    }
  });
});
