// The plan cache: a repeated request shape reuses the statement text (the same string) and
// only collects new parameter values; in.(…) lists of any length are one array parameter;
// the cache is bounded and emptied when the schema cache is swapped.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PlanCache } from '../../../gateway/plan-cache.js';
import { decodeSchemaCache, mainStatement, type Plan, type SchemaCache } from '../../../planner/index.js';
import { filmsSchema, filmsTables, planGet } from '../planner/films-schema.js';

const schema = filmsSchema;
const planFor = (query: string, headers: Record<string, string> = {}, cache: SchemaCache = schema): Plan => planGet(query, headers, null, cache);

describe('plan cache', () => {
  test('same shape: a hit, the same text object, new parameters equal to a fresh compile', () => {
    const cache = new PlanCache(10);
    const first = cache.statements(planFor('id=in.(1,2)&title=like.a*&order=year.desc&limit=5'), schema);
    const secondPlan = planFor('id=in.(3,4,5,6,7)&title=like.*zz&order=year.desc&limit=50');
    const second = cache.statements(secondPlan, schema);
    assert.equal(cache.hits, 1);
    assert.equal(cache.misses, 1);
    assert.equal(second.main.text, first.main.text);
    assert.deepEqual(second.main, mainStatement(secondPlan));
    assert.deepEqual(second.main.params.slice(0, 2), ['{"3","4","5","6","7"}', '%zz']);
    assert.equal(first.main.params.length, second.main.params.length);
  });

  test('in.() with 0, 1 and 20 values: one shape, one array parameter', () => {
    const cache = new PlanCache(10);
    const texts = new Set<string>();
    for (const n of [0, 1, 20]) {
      const list = Array.from({ length: n }, (_, i) => String(i)).join(',');
      const s = cache.statements(planFor(`id=in.(${list})`), schema);
      texts.add(s.main.text);
      assert.equal(s.main.params[0], '{' + Array.from({ length: n }, (_, i) => `"${i}"`).join(',') + '}');
    }
    assert.equal(texts.size, 1);
    assert.equal(cache.hits, 2);
  });

  test('different shapes miss: operator, modifier, select, media type, count', () => {
    const cache = new PlanCache(10);
    const variants: [string, Record<string, string>][] = [
      ['id=eq.1', {}],
      ['id=neq.1', {}],
      ['id=eq(any).{1}', {}],
      ['id=eq.1&select=id', {}],
      ['id=eq.1', { accept: 'text/csv' }],
      ['id=eq.1', { prefer: 'count=exact' }],
      ['id=eq.1', { prefer: 'count=planned' }],
    ];
    const texts = new Set<string>();
    for (const [q, h] of variants) texts.add(cache.statements(planFor(q, h), schema).main.text);
    assert.equal(cache.hits, 0);
    assert.equal(cache.size, variants.length);
    // count=planned shares the main text with no count but is its own shape (it adds an EXPLAIN).
    assert.equal(texts.size, variants.length - 1);
  });

  test('db-max-rows on or off is part of the key (config reload)', () => {
    const cache = new PlanCache(10);
    const open = cache.statements(planGet('id=gt.1', { prefer: 'count=estimated' }, null), schema);
    const capped = cache.statements(planGet('id=gt.1', { prefer: 'count=estimated' }, 5), schema);
    assert.equal(cache.misses, 2);
    assert.notEqual(open.main.text, capped.main.text);
    // count=estimated always asks the planner (PostgREST: the larger of count and estimate without a cap).
    assert.ok(open.estimate !== null);
    assert.ok(capped.estimate !== null);
  });

  test('count=planned caches the EXPLAIN text too', () => {
    const cache = new PlanCache(10);
    const a = cache.statements(planFor('year=gt.1', { prefer: 'count=planned' }), schema);
    const b = cache.statements(planFor('year=gt.2000', { prefer: 'count=planned' }), schema);
    assert.ok(a.estimate !== null && b.estimate !== null);
    assert.equal(a.estimate.text, b.estimate.text);
    assert.deepEqual(b.estimate.params, ['2000']);
  });

  test('bounded LRU, and emptied by a new schema cache', () => {
    const cache = new PlanCache(2);
    cache.statements(planFor('id=eq.1'), schema);
    cache.statements(planFor('title=eq.x'), schema);
    cache.statements(planFor('id=eq.2'), schema); // hit: id=eq is now the most recent
    cache.statements(planFor('year=eq.3'), schema); // evicts title=eq
    assert.equal(cache.size, 2);
    cache.statements(planFor('title=eq.y'), schema);
    assert.equal(cache.misses, 4);
    const reloaded = decodeSchemaCache({ tables: filmsTables });
    cache.statements(planFor('title=eq.z', {}, reloaded), reloaded);
    assert.equal(cache.size, 1);
    assert.equal(cache.misses, 5);
  });
});
