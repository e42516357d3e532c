// db-read-uris against a real streaming replica of the test cluster (test/helpers/replica.ts):
// reads and stable calls reach the replica (pg_is_in_recovery() is true there), writes, volatile
// calls and Prefer: read=primary the primary; a stopped replica makes reads fall back with no
// 5xx and a restarted one is used again; a replica whose replay is paused is left out for lag; a busy
// replica (pool timeout) sends the read to the primary and stays in.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { request, sqlQuery, startTestGateway, superuserUri } from '../helpers/gateway.js';
import { eventually } from '../helpers/protocol.js';
import { replicaUnsupported, startReplica, type Replica } from '../helpers/replica.js';
import pg from 'pg';

const unsupported = await replicaUnsupported(superuserUri());

/** Which server answered a read of the view: true = the replica (in recovery). */
async function inRecovery(gw: Gateway, headers: Record<string, string> = {}): Promise<boolean> {
  const r = await request(gw, 'GET', '/scale_node', { headers });
  assert.equal(r.status, 200, r.text);
  return (r.json() as { in_recovery: boolean }[])[0]!.in_recovery;
}

/** pgrst_db_read_replica_reads_total of the one replica. */
function replicaReads(gw: Gateway): number {
  const m = /^pgrst_db_read_replica_reads_total\{replica="127\.0\.0\.1:\d+"\} (\d+)$/m.exec(gw.metrics.render());
  assert.ok(m !== null, 'the replica read counter is rendered');
  return Number(m[1]);
}

/** Run `text` on the replica as superuser; the number of rows it returned. */
async function onReplica(replica: Replica, text: string): Promise<number> {
  const client = new pg.Client({ connectionString: replica.superuserUri });
  await client.connect();
  try {
    return (await client.query(text)).rowCount ?? 0;
  } finally {
    await client.end();
  }
}

describe('read replicas (db-read-uris)', { skip: unsupported ?? false }, () => {
  let replica: Replica | null = null;
  let gw: Gateway | null = null;
  const logs: string[] = [];
  const g = (): Gateway => gw!;

  before(async () => {
    replica = await startReplica(superuserUri());
    gw = await startTestGateway({ PGRST_DB_READ_URIS: replica.authenticatorUri, PGRST_DB_READ_MAX_LAG: '1' }, { log: (l) => logs.push(l) });
    await eventually(() => inRecovery(g()), 20_000, 'reads reach the replica');
  });
  after(async () => {
    await gw?.stop();
    await replica?.destroy();
  });

  test('reads of views and tables and stable calls are served by the replica', async () => {
    const reads0 = replicaReads(g());
    assert.equal(await inRecovery(g()), true);
    const call = await request(g(), 'GET', '/rpc/scale_in_recovery');
    assert.equal(call.status, 200, call.text);
    assert.equal(call.json(), true);
    // A stable function called with POST is still a read.
    const post = await request(g(), 'POST', '/rpc/scale_in_recovery', { body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(post.json(), true);
    const head = await request(g(), 'HEAD', '/scale_node');
    assert.equal(head.status, 200);
    assert.match(g().metrics.render(), /pgrst_db_read_replica_healthy\{replica="127\.0\.0\.1:\d+"\} 1/);
    // The four reads above, counted for the replica (none fell back).
    assert.equal(replicaReads(g()) - reads0, 4);
    assert.match(g().metrics.render(), /pgrst_db_read_replica_fallbacks_total\{replica="127\.0\.0\.1:\d+"\} 0/);
  });

  test('writes, volatile calls and Prefer: read=primary go to the primary', async () => {
    const reads0 = replicaReads(g());
    const volatile = await request(g(), 'GET', '/rpc/scale_in_recovery_volatile');
    assert.equal(volatile.status, 200, volatile.text);
    assert.equal(volatile.json(), false);
    assert.equal(await inRecovery(g(), { Prefer: 'read=primary' }), false);
    // A known preference: handling=strict accepts it.
    assert.equal(await inRecovery(g(), { Prefer: 'handling=strict, read=primary' }), false);
    const label = `replicated-${process.pid}`;
    const write = await request(g(), 'POST', '/scale_items', { body: JSON.stringify({ label }), headers: { 'Content-Type': 'application/json' } });
    assert.equal(write.status, 201, write.text);
    assert.equal(replicaReads(g()), reads0, 'none of them counted as a replica read');
    // The replica sees the write once it has replayed it.
    await eventually(async () => {
      const r = await request(g(), 'GET', `/scale_items?label=eq.${label}`);
      return r.status === 200 && (r.json() as unknown[]).length === 1;
    }, 20_000, 'the write replicated to the replica');
  });

  test('a stopped replica: reads fall back to the primary with no 5xx; back again once restarted', async () => {
    // Requests in flight while it goes down, then more after.
    const during = Array.from({ length: 20 }, () => request(g(), 'GET', '/scale_node'));
    await replica!.stop();
    const replies = [...(await Promise.all(during)), ...(await Promise.all(Array.from({ length: 20 }, () => request(g(), 'GET', '/scale_node'))))];
    for (const r of replies) assert.equal(r.status, 200, r.text);
    assert.equal(await inRecovery(g()), false);
    assert.ok(logs.some((l) => /Read replica 127\.0\.0\.1:\d+ is failing/.test(l)), logs.join('\n'));
    assert.match(g().metrics.render(), /pgrst_db_read_replica_healthy\{replica="127\.0\.0\.1:\d+"\} 0/);

    await replica!.start();
    await eventually(() => inRecovery(g()), 20_000, 'reads reach the restarted replica');
  });

  test('a busy replica (no connection within db-pool-acquisition-timeout): the read goes to the primary and the replica stays in', async () => {
    const busyLogs: string[] = [];
    const small = await startTestGateway(
      { PGRST_DB_READ_URIS: replica!.authenticatorUri, PGRST_DB_POOL: '1', PGRST_DB_POOL_ACQUISITION_TIMEOUT: '1' },
      { log: (l) => busyLogs.push(l) },
    );
    try {
      await eventually(() => inRecovery(small), 20_000, 'reads reach the replica');
      const slow = request(small, 'GET', '/rpc/scale_slow_in_recovery?secs=3');
      await eventually(
        async () => (await onReplica(replica!, "select 1 from pg_stat_activity where query like '%scale_slow_in_recovery%' and state = 'active' and pid <> pg_backend_pid()")) > 0,
        10_000,
        'the slow call runs on the replica',
      );
      // The replica's one connection is busy for 3 s: after the 1 s timeout the read runs on the primary.
      assert.equal(await inRecovery(small), false);
      const done = await slow;
      assert.equal(done.status, 200, done.text);
      assert.equal(done.json(), true);
      assert.equal(await inRecovery(small), true, 'the replica was not taken out');
      assert.ok(!busyLogs.some((l) => /Read replica .* is failing/.test(l)), busyLogs.join('\n'));
      assert.match(small.metrics.render(), /pgrst_db_read_replica_fallbacks_total\{replica="127\.0\.0\.1:\d+"\} 1/);
    } finally {
      await small.stop();
    }
  });

  test('a replica lagging beyond db-read-max-lag gets no reads until it catches up', async () => {
    await onReplica(replica!, 'select pg_wal_replay_pause()');
    try {
      await sqlQuery("insert into api.scale_items (label) values ('while paused')");
      await eventually(async () => !(await inRecovery(g())), 20_000, 'the lagging replica is left out');
      assert.ok(logs.some((l) => /Read replica 127\.0\.0\.1:\d+ is lagging/.test(l)), logs.join('\n'));
    } finally {
      await onReplica(replica!, 'select pg_wal_replay_resume()');
    }
    await eventually(() => inRecovery(g()), 20_000, 'the caught-up replica is used again');
  });
});
