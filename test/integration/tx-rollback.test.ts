// Rollbacks that behave like the transaction ran (Prefer: tx=rollback, db-tx-end=rollback):
// AFTER triggers fire and their errors surface, deferred constraints and constraint triggers
// are checked before the rollback, nothing is kept, the connection stays clean for pipelined
// neighbours, and EXPLAIN ANALYZE of a rolled-back call with count=exact returns its plan.

import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway, type Reply } from '../helpers/gateway.js';
import type { Gateway } from '../../gateway/app.js';

const json = { 'Content-Type': 'application/json' };

interface PgrstError {
  readonly code: string;
  readonly message: string;
  readonly details: string | null;
}

function assertError(r: Reply, status: number, code: string, message?: RegExp): void {
  assert.equal(r.status, status, r.text);
  const e = r.json() as PgrstError;
  assert.equal(e.code, code);
  if (message !== undefined) assert.match(e.message, message);
}

const count = async (table: string): Promise<number> => Number((await sqlQuery<{ n: string }>(`SELECT count(*)::text AS n FROM api.${table}`))[0]!.n);

const clean = async (): Promise<void> => {
  await sqlQuery('DELETE FROM api.txn_deferred_child; DELETE FROM api.txn_deferred; DELETE FROM api.txn_guarded; DELETE FROM api.txn_recursive');
};

/** The same checks whichever way the rollback was asked for. */
function rollbackSuite(name: string, env: Record<string, string>, prefer: string | null): void {
  describe(name, () => {
    const gw = suiteGateway(env);
    afterEach(clean);
    const post = (g: Gateway, path: string, body: string, extra: string | null = null): Promise<Reply> => {
      const p = [prefer, extra].filter((x) => x !== null).join(', ');
      return request(g, 'POST', path, { headers: p === '' ? json : { ...json, Prefer: p }, body });
    };

    test('a write that succeeds answers as usual and keeps nothing', async () => {
      const r = await post(gw(), '/txn_guarded', '{"id":1,"note":"fine"}', 'return=representation');
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json(), [{ id: 1, note: 'fine' }]);
      assert.equal(await count('txn_guarded'), 0);
    });

    test('an AFTER trigger fires and its error surfaces (insert and update)', async () => {
      assertError(await post(gw(), '/txn_guarded', '{"id":1,"note":"forbidden"}'), 400, 'P0001', /^txn_guarded refuses forbidden$/);
      await sqlQuery("INSERT INTO api.txn_guarded VALUES (2, 'kept')");
      const patched = await request(gw(), 'PATCH', '/txn_guarded?id=eq.2', { headers: prefer === null ? json : { ...json, Prefer: prefer }, body: '{"note":"forbidden"}' });
      assertError(patched, 400, 'P0001');
      assert.deepEqual(await sqlQuery('SELECT note FROM api.txn_guarded'), [{ note: 'kept' }]);
    });

    test('a recursive AFTER trigger → 500 54001', async () => {
      assertError(await post(gw(), '/txn_recursive', '{"note":"again"}'), 500, '54001', /stack depth limit exceeded/);
      assert.equal(await count('txn_recursive'), 0);
    });

    test('a deferred unique key is checked before the rollback → 409 23505', async () => {
      const r = await post(gw(), '/txn_deferred', '[{"id":1,"code":7},{"id":2,"code":7}]');
      assertError(r, 409, '23505', /txn_deferred_code_key/);
      assert.equal((r.json() as PgrstError).details, 'Key (code)=(7) already exists.');
      assert.equal(await count('txn_deferred'), 0);
    });

    test('a deferred foreign key → 409 23503; a deferred constraint trigger raises its error', async () => {
      assertError(await post(gw(), '/txn_deferred_child', '{"id":1,"parent_id":999}'), 409, '23503');
      assertError(await post(gw(), '/txn_deferred', '{"id":3,"code":-1}'), 400, '23514', /^negative code -1$/);
      assert.equal(await count('txn_deferred_child'), 0);
    });

    test('RPC: constraints raised at once and deferred ones alike → 409 (PostgREST raise_constraint)', async () => {
      assertError(await post(gw(), '/rpc/txn_duplicate', '{}'), 409, '23505');
      assertError(await post(gw(), '/rpc/txn_duplicate', '{"deferred":true}'), 409, '23505');
      assert.equal(await count('txn_deferred'), 0);
    });

    test('after failed rollbacks, pipelined requests on the same connections run normally', async () => {
      const failing = [1, 2, 3, 4].map((i) => post(gw(), '/txn_deferred', `[{"id":${i * 10},"code":${i}},{"id":${i * 10 + 1},"code":${i}}]`));
      const fine = [1, 2, 3, 4].map((i) => post(gw(), '/txn_guarded', `{"id":${i},"note":"ok"}`, 'return=representation'));
      const reads = [1, 2, 3, 4].map(() => request(gw(), 'GET', '/txn_items?id=eq.1&select=id'));
      const [bad, good, read] = await Promise.all([Promise.all(failing), Promise.all(fine), Promise.all(reads)]);
      for (const r of bad) assertError(r, 409, '23505');
      for (const r of good) assert.equal(r.status, 201, r.text);
      for (const r of read) assert.deepEqual(r.json(), [{ id: 1 }]);
      assert.equal(await count('txn_guarded'), 0);
    });

    test('a read-only call under a rollback answers normally', async () => {
      const r = await request(gw(), 'GET', '/rpc/txn_whoami', { headers: prefer === null ? {} : { Prefer: prefer } });
      assert.equal(r.status, 200, r.text);
      assert.equal((r.json() as { user: string }).user, 'web_anon');
    });
  });
}

rollbackSuite('Prefer: tx=rollback (db-tx-end=commit-allow-override)', { PGRST_DB_TX_END: 'commit-allow-override' }, 'tx=rollback');
rollbackSuite('db-tx-end=rollback', { PGRST_DB_TX_END: 'rollback' }, null);

describe('the same writes under a commit', () => {
  const gw = suiteGateway({ PGRST_DB_TX_END: 'commit-allow-override' });
  afterEach(clean);

  test('deferred constraints are checked at commit; a passing write is kept', async () => {
    const dup = await request(gw(), 'POST', '/txn_deferred', { headers: { ...json, Prefer: 'tx=commit' }, body: '[{"id":1,"code":7},{"id":2,"code":7}]' });
    assertError(dup, 409, '23505');
    const ok = await request(gw(), 'POST', '/txn_deferred', { headers: { ...json, Prefer: 'tx=commit' }, body: '[{"id":1,"code":7},{"id":2,"code":8}]' });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(await count('txn_deferred'), 2);
  });
});

describe('EXPLAIN of a rolled-back write or call', () => {
  const gw = suiteGateway({ PGRST_DB_PLAN_ENABLED: 'true', PGRST_DB_TX_END: 'commit-allow-override' });
  afterEach(clean);
  const labels = async (): Promise<string> => JSON.stringify(await sqlQuery('SELECT id, label FROM api.txn_items ORDER BY id'));

  for (const accept of ['application/vnd.pgrst.plan+json; options=analyze', 'application/vnd.pgrst.plan+text; options=analyze']) {
    test(`a call with count=exact (${accept}): the plan, no internal error, nothing kept`, async () => {
      const before = await labels();
      const r = await request(gw(), 'POST', '/rpc/txn_relabel', {
        headers: { ...json, Accept: accept, Prefer: 'tx=rollback, count=exact' },
        body: '{"lo":1,"hi":3,"label":"explained"}',
      });
      assert.equal(r.status, 200, r.text);
      assert.doesNotMatch(r.text, /pgrst-rollback|invalid input syntax/);
      assert.match(r.text, /Function Scan|Aggregate/);
      assert.equal(await labels(), before);
    });
  }

  test('the plan for a single object is no object: an analyzed DELETE of several rows answers its plan', async () => {
    const before = await labels();
    const r = await request(gw(), 'DELETE', '/txn_items?id=lte.3', {
      headers: { Accept: 'application/vnd.pgrst.plan+json; for="application/vnd.pgrst.object"; options=analyze', Prefer: 'tx=rollback, return=representation' },
    });
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /"Operation": "Delete"/);
    assert.equal(await labels(), before);
  });

  test('a write whose deferred constraint fails answers 409, not a plan', async () => {
    const r = await request(gw(), 'POST', '/txn_deferred', {
      headers: { ...json, Accept: 'application/vnd.pgrst.plan+json; options=analyze', Prefer: 'tx=rollback' },
      body: '[{"id":1,"code":7},{"id":2,"code":7}]',
    });
    assertError(r, 409, '23505');
    assert.equal(await count('txn_deferred'), 0);
  });
});
