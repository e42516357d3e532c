// Which of the gateway's prepared statements PostgreSQL runs from a cached generic plan
// (test/fixtures/96_plan_cache.sql), seen through pg_prepared_statements of the one pooled
// connection. A generic plan skips planning on every execution (GET by pk costs PostgreSQL
// 17 µs with it, 41 without in the bench), so a change to the statements' SQL that loses it
// is a regression. An ordered, limited read is re-planned on every execution: PostgreSQL
// costs a generic plan of `LIMIT $n` at 10% of the rows, which always looks dearer than the
// custom plan of the actual limit; a role setting of plan_cache_mode (applied per transaction,
// as PostgREST applies the impersonated role's settings) is the operator's lever. And the context
// statement's settings, up to eight as set_config calls of their own, more as two arrays.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

interface Prepared {
  readonly statement: string;
  readonly generic: number;
  readonly custom: number;
}

async function plans(gw: Gateway): Promise<Prepared[]> {
  const r = await request(gw, 'GET', '/rpc/pc_plans');
  assert.equal(r.status, 200, r.text);
  return r.json() as Prepared[];
}

/** The one prepared statement whose text contains `marker`. */
function find(list: readonly Prepared[], marker: string): Prepared {
  const hits = list.filter((p) => p.statement.includes(marker));
  assert.equal(hits.length, 1, `one statement with ${marker}: ${JSON.stringify(list.map((p) => p.statement))}`);
  return hits[0]!;
}

const ORDERED = '/pc_items?select=id,label,score&grp=eq.3&score=gte.500&order=score.desc,id&limit=25';

async function runMany(gw: Gateway): Promise<void> {
  for (let i = 1; i <= 10; i++) {
    const byKey = await request(gw, 'GET', `/pc_items?id=eq.${i * 7}`);
    assert.equal(byKey.status, 200, byKey.text);
    const patch = await request(gw, 'PATCH', `/pc_items?id=eq.${i * 11}`, { body: JSON.stringify({ score: i }), headers: { 'Content-Type': 'application/json' } });
    assert.equal(patch.status, 204, patch.text);
    const ordered = await request(gw, 'GET', ORDERED);
    assert.equal(ordered.status, 200, ordered.text);
    assert.equal((ordered.json() as unknown[]).length, 25);
  }
}

describe('plan cache: the prepared statements PostgreSQL plans once', () => {
  const gw = suiteGateway({ PGRST_DB_POOL: '1' });

  test('GET and PATCH by key run from a generic plan after the first five executions', async () => {
    await runMany(gw());
    const list = await plans(gw());
    for (const marker of ['SELECT "api"."pc_items".* FROM "api"."pc_items" WHERE "api"."pc_items"."id" = $1', 'UPDATE "api"."pc_items"']) {
      const p = find(list, marker);
      assert.equal(p.custom, 5, marker);
      assert.ok(p.generic >= 5, `${marker}: ${JSON.stringify(p)}`);
    }
  });

  test('an ordered read with limit= is planned for its values on every execution (PostgREST does the same)', async () => {
    const p = find(await plans(gw()), 'ORDER BY "api"."pc_items"."score" DESC');
    assert.equal(p.generic, 0, JSON.stringify(p));
    assert.ok(p.custom >= 10, JSON.stringify(p));
  });
});

describe('plan cache: plan_cache_mode stored on the role applies to its requests', () => {
  const gw = suiteGateway({ PGRST_DB_POOL: '1', PGRST_DB_ANON_ROLE: 'pc_generic_anon' });

  test('the ordered read then runs from a generic plan every time, with the same rows', async () => {
    await runMany(gw());
    const p = find(await plans(gw()), 'ORDER BY "api"."pc_items"."score" DESC');
    assert.equal(p.custom, 0, JSON.stringify(p));
    assert.ok(p.generic >= 10, JSON.stringify(p));
    const rows = await sqlQuery('SELECT id, label, score FROM api.pc_items WHERE grp = 3 AND score >= 500 ORDER BY score DESC, id LIMIT 25');
    assert.deepEqual((await request(gw(), 'GET', ORDERED)).json(), rows);
  });
});

describe('context statement: app and role settings, a few inline, many as arrays', () => {
  const EVIL = `x'); reset role; --`;
  const few = suiteGateway({ PGRST_DB_ANON_ROLE: 'pc_generic_anon', PGRST_APP_SETTINGS_GREETING: EVIL, PGRST_APP_SETTINGS_CLASH: 'from the config' });
  const manyEnv: Record<string, string> = { PGRST_DB_ANON_ROLE: 'pc_generic_anon', PGRST_APP_SETTINGS_CLASH: 'from the config' };
  for (let i = 0; i < 10; i++) manyEnv[`PGRST_APP_SETTINGS_S${i}`] = `value ${i}`;
  const many = suiteGateway(manyEnv);

  const setting = async (gw: Gateway, name: string): Promise<unknown> => {
    const r = await request(gw, 'GET', `/rpc/pc_setting?name=${encodeURIComponent(name)}`);
    assert.equal(r.status, 200, r.text);
    return r.json();
  };

  for (const [label, gw] of [['four settings (inline)', few], ['thirteen settings (arrays)', many]] as const) {
    test(`${label}: each applies, and the role's beats the config's`, async () => {
      assert.equal(await setting(gw(), 'app.settings.clash'), 'from the role');
      assert.equal(await setting(gw(), 'plan_cache_mode'), 'force_generic_plan');
      assert.equal(await setting(gw(), 'role'), 'pc_generic_anon');
      assert.equal(await setting(gw(), 'request.method'), 'GET');
    });
  }

  test('values arrive as they are, never as SQL', async () => {
    assert.equal(await setting(few(), 'app.settings.greeting'), EVIL);
    for (let i = 0; i < 10; i++) assert.equal(await setting(many(), `app.settings.s${i}`), `value ${i}`);
  });
});
