// Unit tests for aggregate functions in `select`: the grammar (`col.fn()`, `count()`, alias,
// input and output casts), PGRST123 while db-aggregates-enabled is off, and the SQL: automatic
// GROUP BY, embeds as jsonb grouping terms, aggregates inside embeds, hoisting out of to-one
// spreads, values as parameters and one URL shape → one text.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { actionPlan, decodeSchemaCache, toApiRequest, type Plan, type SchemaCache } from '../../../planner/index.js';
import { parseQueryParams, splitQuery } from '../../../planner/request/query-params.js';
import { mainStatement } from '../../../planner/sql/statements.js';
import { fkRow as fk, intTable } from './films-schema.js';

const cache: SchemaCache = decodeSchemaCache({
  tables: JSON.stringify([
    intTable('customers', ['id', 'city']),
    intTable('orders', ['id', 'customer_id', 'amount', 'day']),
    { ...intTable('notes', ['id']), columns: [{ name: 'id', type: 'integer', nullable: false, has_default: false }, { name: 'data', type: 'jsonb', nullable: true, has_default: false }] },
  ]),
  foreignKeys: JSON.stringify([fk('orders_customer_fk', 'orders', ['customer_id'], 'customers', ['id'])]),
});

function plan(path: string, query: string, aggregatesEnabled = true, method = 'GET', body: string | null = null): ReturnType<typeof actionPlan> {
  const headers: Record<string, string> = body === null ? {} : { prefer: 'return=representation', 'content-type': 'application/json' };
  const req = toApiRequest({ method, path, query, headers, body: body === null ? null : new TextEncoder().encode(body) }, { schemas: ['api'] });
  if (!req.ok) throw new Error(req.error.message);
  return actionPlan(req.value, cache, { maxRows: null, aggregatesEnabled });
}

function sqlOf(path: string, query: string): string {
  const p = plan(path, query);
  if (!p.ok) throw new Error(p.error.message);
  return mainStatement(p.value as Plan).text;
}

const selectOf = (value: string) => {
  const r = parseQueryParams(splitQuery('select=' + encodeURIComponent(value)));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('aggregates: grammar', () => {
  test('col.fn(), count(), alias and both casts', () => {
    const q = selectOf('amount.sum(),total:amount.avg()::int,count(),c:count()::text,data->>k::numeric.max(),day');
    assert.equal(q.aggregates, true);
    assert.deepEqual(q.select, [
      { kind: 'aggregate', fn: 'sum', field: { name: 'amount', json: [] }, inputCast: null, alias: null, cast: null },
      { kind: 'aggregate', fn: 'avg', field: { name: 'amount', json: [] }, inputCast: null, alias: 'total', cast: 'int' },
      { kind: 'aggregate', fn: 'count', field: null, inputCast: null, alias: null, cast: null },
      { kind: 'aggregate', fn: 'count', field: null, inputCast: null, alias: 'c', cast: 'text' },
      { kind: 'aggregate', fn: 'max', field: { name: 'data', json: [{ arrow: '->>', key: 'k', index: false }] }, inputCast: 'numeric', alias: null, cast: null },
      { kind: 'field', field: { name: 'day', json: [] }, alias: null, cast: null },
    ]);
  });

  test('aggregates inside embeds are found; plain lists and empty embeds are not aggregates', () => {
    assert.equal(selectOf('id,orders(amount.sum())').aggregates, true);
    assert.equal(selectOf('id,orders()').aggregates, false);
    assert.equal(selectOf('id,amount').aggregates, false);
    // Only count() stands without a column: `sum()` is an (empty) embed named sum, as in PostgREST.
    assert.deepEqual(selectOf('sum()').select[0], { kind: 'embed', name: 'sum', alias: null, hint: null, join: null, spread: false, select: [] });
  });

  test('a bad cast or column is PGRST100', () => {
    for (const bad of ['amount.sum()::in-t', 'amount::x;y.sum()', '.sum()']) {
      const r = parseQueryParams(splitQuery('select=' + encodeURIComponent(bad)));
      assert.equal(r.ok, false, bad);
      if (!r.ok) assert.equal(r.error.code, 'PGRST100');
    }
  });
});

describe('aggregates: db-aggregates-enabled', () => {
  test('disabled: PGRST123 at any depth', () => {
    for (const q of ['select=amount.sum()', 'select=id,orders(count())', 'select=amount,...customers(id.count())']) {
      const p = plan('/orders', q, false);
      assert.equal(p.ok, false, q);
      if (!p.ok) assert.deepEqual([p.error.status, p.error.code, p.error.message], [400, 'PGRST123', 'Use of aggregate functions is not allowed']);
    }
  });

  test('disabled: plain selects still plan', () => {
    assert.equal(plan('/orders', 'select=id,amount', false).ok, true);
  });
});

describe('aggregates: SQL', () => {
  test('whole-table aggregate, no GROUP BY; functions from pg_catalog', () => {
    const text = sqlOf('/orders', 'select=amount.sum(),count()');
    assert.match(text, /SELECT pg_catalog\.sum\("api"\."orders"\."amount"\) AS "sum", pg_catalog\.count\(\*\) AS "count" FROM "api"\."orders" LIMIT/);
    assert.doesNotMatch(text, /GROUP BY/);
  });

  test('GROUP BY the non-aggregated columns, casts in both places', () => {
    const text = sqlOf('/orders', 'select=d:day,total:amount::numeric.avg()::int&order=day');
    assert.match(
      text,
      /SELECT "api"\."orders"\."day" AS "d", CAST\(pg_catalog\.avg\(CAST\("api"\."orders"\."amount" AS numeric\)\) AS int\) AS "total" FROM "api"\."orders" GROUP BY "api"\."orders"\."day" ORDER BY "api"\."orders"\."day" LIMIT/,
    );
  });

  test('JSON path input: value stays a parameter; same shape → same text', () => {
    const p = plan('/notes', 'select=data->>k::numeric.sum()');
    assert.equal(p.ok, true);
    if (!p.ok) return;
    const st = mainStatement(p.value);
    assert.match(st.text, /pg_catalog\.sum\(CAST\("api"\."notes"\."data"->>\$1::text AS numeric\)\)/);
    assert.ok(st.params.includes('k'));
    assert.equal(sqlOf('/notes', 'select=data->>k::numeric.sum()'), sqlOf('/notes', 'select=data->>other::numeric.sum()'));
  });

  test('an embed is a grouping term, as jsonb', () => {
    const text = sqlOf('/orders', 'select=amount.sum(),customers(city)');
    assert.match(text, /\("pgrst_1"\."body"\)::jsonb AS "customers" FROM "api"\."orders" LEFT JOIN LATERAL .* GROUP BY \("pgrst_1"\."body"\)::jsonb LIMIT/);
  });

  test('aggregates inside an embed group the embedded rows only', () => {
    const text = sqlOf('/customers', 'select=city,orders(day,amount.sum())');
    assert.match(text, /SELECT "orders_1"\."day", pg_catalog\.sum\("orders_1"\."amount"\) AS "sum" FROM "api"\."orders" AS "orders_1" WHERE .* GROUP BY "orders_1"\."day"\)/);
    assert.match(text, /SELECT "api"\."customers"\."city", "pgrst_1"\."body" AS "orders" FROM/);
    assert.doesNotMatch(text, /GROUP BY "api"/);
  });

  test('a to-one spread: its columns group, its aggregates are hoisted into the parent', () => {
    const text = sqlOf('/orders', 'select=day,...customers(city,n:id.count(),count())');
    // The spread passes its aggregate's input up; the parent applies the function.
    assert.match(text, /SELECT "customers_1"\."city", "customers_1"\."id" AS "n" FROM "api"\."customers"/);
    assert.match(
      text,
      /SELECT "api"\."orders"\."day", "pgrst_1"\."city" AS "city", pg_catalog\.count\("pgrst_1"\."n"\) AS "n", pg_catalog\.count\(\*\) AS "count" FROM .* GROUP BY "api"\."orders"\."day", "pgrst_1"\."city" LIMIT/,
    );
  });

  test('ordering by a spread column the level groups by', () => {
    const text = sqlOf('/orders', 'select=amount.sum(),...customers(city)&order=customers(city).desc');
    assert.match(text, /GROUP BY "pgrst_1"\."city" ORDER BY "pgrst_1"\."city" DESC LIMIT/);
  });

  test('a to-many spread applies its aggregates over the related rows', () => {
    const text = sqlOf('/customers', 'select=city,...orders(amount.sum(),day)');
    assert.match(text, /pg_catalog\.sum\("pgrst_1_r"\."sum"\) AS "sum", coalesce\(json_agg\("pgrst_1_r"\."day"\), '\[\]'\) AS "day"/);
    assert.doesNotMatch(text, /GROUP BY/);
  });

  test('a write\'s representation aggregates the written rows', () => {
    const p = plan('/orders', 'select=day,count()&id=eq.1', true, 'PATCH', '{"amount":1}');
    assert.equal(p.ok, true);
    if (!p.ok) return;
    assert.match(mainStatement(p.value).text, /pgrst_source AS \(SELECT "orders"\."day", pg_catalog\.count\(\*\) AS "count" FROM pgrst_mutation AS "orders" GROUP BY "orders"\."day"\)/);
  });

  test('plain reads keep their text', () => {
    assert.doesNotMatch(sqlOf('/customers', 'select=city,orders(day)'), /GROUP BY|jsonb/);
  });
});
