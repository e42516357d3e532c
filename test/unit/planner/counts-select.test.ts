// Pure parts of PostgREST's counting and select rules: where its select parser stops on its
// own (after an embed's `)` followed by anything but `,`/`)`, top level only, aggregate casts
// kept), db-max-rows on every embed (capEmbeds), the page as the total when nothing is paged
// away (pageIsTotal, and the request shape that tells), count=estimated's larger value, and
// reserved characters inside quoted names (embed paths, select items).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { parseQueryParams } from '../../../planner/request/query-params.js';
import { capEmbeds, type EmbedPlan } from '../../../planner/plan/embed.js';
import { pageIsTotal, reportedTotal } from '../../../planner/sql/count.js';
import { splitEmbedKey } from '../../../planner/request/embed-params.js';
import { decodeSchemaCache } from '../../../planner/schema/decode.js';
import { mainStatement } from '../../../planner/sql/statements.js';
import { estimateStatement } from '../../../planner/sql/count.js';
import { fkRow, intTable, planGet } from './films-schema.js';
import { toApiRequest } from '../../../planner/request/request.js';
import type { Plan } from '../../../planner/plan/plan.js';

const select = (value: string): unknown => {
  const r = parseQueryParams([['select', value]]);
  return r.ok ? r.value.select : r.error.code;
};

describe('select: where PostgREST’s parser stops', () => {
  test('after an embed followed by anything but , or ) the rest is ignored', () => {
    const embed = { kind: 'embed', name: 'b', alias: null, hint: null, join: null, spread: false, select: [{ kind: 'field', field: { name: 'c', json: [] }, alias: null, cast: null }] };
    const a = { kind: 'field', field: { name: 'a', json: [] }, alias: null, cast: null };
    assert.deepEqual(select("a,b(c)'"), [a, embed]);
    assert.deepEqual(select('a,b(c)junk,d(e)'), [a, embed]);
    assert.deepEqual(select('a,b(c)::text'), [a, embed]);
    // Spaces before the comma are no stop.
    assert.equal((select('b(c) ,a') as unknown[]).length, 2);
  });

  test('inside an embed the grammar stays strict', () => {
    assert.equal(select("b(c(d)'x)"), 'PGRST100');
  });

  test('aggregate calls keep their casts', () => {
    assert.deepEqual(select('count()::int'), [{ kind: 'aggregate', fn: 'count', field: null, inputCast: null, alias: null, cast: 'int' }]);
    assert.equal((select('x.sum()::int,y') as unknown[]).length, 2);
  });
});

describe('db-max-rows and counts', () => {
  const embed = (limit: number | null, children: EmbedPlan[] = []): EmbedPlan => ({ limit, children }) as unknown as EmbedPlan;

  test('capEmbeds caps every level, keeps smaller limits, and is a no-op without a cap', () => {
    const tree = [embed(null, [embed(5, [embed(1)])])];
    const capped = capEmbeds(tree, 2);
    assert.equal(capped[0]!.limit, 2);
    assert.equal(capped[0]!.children[0]!.limit, 2);
    assert.equal(capped[0]!.children[0]!.children[0]!.limit, 1);
    assert.equal(capEmbeds(tree, null), tree);
  });

  test('the page is the total only when no row is paged away', () => {
    assert.equal(pageIsTotal({ offset: 0, limit: null }, null), true);
    assert.equal(pageIsTotal({ offset: 1, limit: null }, null), false);
    assert.equal(pageIsTotal({ offset: 0, limit: 10 }, null), false);
    assert.equal(pageIsTotal({ offset: 0, limit: null }, 100), false);
  });

  test('the request shape tells paged from unpaged (the statement differs)', () => {
    const shape = (query: string, range?: string): string => {
      const r = toApiRequest({ method: 'GET', path: '/t', query, headers: range === undefined ? {} : { range }, body: null }, { schemas: ['api'] });
      if (!r.ok) assert.fail(r.error.message);
      return r.value.shape;
    };
    assert.notEqual(shape(''), shape('limit=1'));
    assert.notEqual(shape(''), shape('', '0-9'));
    assert.equal(shape('limit=1'), shape('limit=2'));
  });

  test('count=estimated beyond db-max-rows is the larger of the bounded count and the estimate', () => {
    const plan = { kind: 'read', maxRows: 2, request: { preferences: { count: 'estimated' } } } as unknown as Plan;
    assert.equal(reportedTotal(plan, 3, 1), 3);
    assert.equal(reportedTotal(plan, 3, 1000), 1000);
    assert.equal(reportedTotal(plan, 2, 1000), 2);
    assert.equal(reportedTotal(plan, 3, null), 3);
  });
});

describe('quoted names hold reserved characters', () => {
  test('embed paths split on unquoted dots only', () => {
    assert.deepEqual(splitEmbedKey('rel."x.y"'), { path: ['rel'], last: '"x.y"', at: 4 });
    assert.deepEqual(splitEmbedKey('"my.rel".col'), { path: ['my.rel'], last: 'col', at: 9 });
    assert.deepEqual(splitEmbedKey('a.b.c'), { path: ['a', 'b'], last: 'c', at: 4 });
    assert.equal(splitEmbedKey('"a.b"'), null);
    // An empty name after a dot is the field parser's error (the path is kept for it).
    assert.deepEqual(splitEmbedKey('a..b'), { path: ['a'], last: '.b', at: 2 });
    assert.deepEqual(splitEmbedKey('a.b->c.d'), { path: ['a'], last: 'b->c.d', at: 2 });
    // The path ends at the first name no dot follows: `a'.b` is the field `a`.
    assert.equal(splitEmbedKey("a'.b"), null);
  });

  test('a quoted select item with parentheses is a column, not an embed', () => {
    assert.deepEqual(select('"a(b)"'), [{ kind: 'field', field: { name: 'a(b)', json: [] }, alias: null, cast: null }]);
    const items = select('x:"a(b)"::text,r("c(d)")') as { kind: string }[];
    assert.deepEqual(items.map((i) => i.kind), ['field', 'embed']);
  });
});

describe('counts of embeds that filter: EXISTS as PostgREST’s count query', () => {
  const cache = decodeSchemaCache({
    tables: JSON.stringify([intTable('directors', ['id', 'name']), intTable('films', ['id', 'title', 'director_id'])]),
    foreignKeys: JSON.stringify([fkRow('films_director_fk', 'films', ['director_id'], 'directors', ['id'])]),
  });
  const text = (query: string, prefer: string): string => mainStatement(planGet(query, { prefer }, null, cache)).text;

  test('!inner is EXISTS, rel=is.null NOT EXISTS, with the embed’s own conditions', () => {
    const inner = text('select=id,directors!inner(name)&directors.name=eq.K&limit=1', 'count=exact');
    assert.match(inner, /\(SELECT pg_catalog\.count\(\*\) FROM "api"\."films" WHERE EXISTS \(SELECT 1 FROM "api"\."directors" AS "directors_1" WHERE "directors_1"\."id" = "api"\."films"\."director_id" AND "directors_1"\."name" = \$\d+\)\)/);
    const absent = text('select=id,directors()&directors=is.null&limit=1', 'count=exact');
    assert.match(absent, /FROM "api"\."films" WHERE NOT EXISTS \(SELECT 1 FROM "api"\."directors" AS "directors_1"/);
    // A nested null filter is a nested NOT EXISTS, not a condition on a body.
    const nested = text('select=id,directors!inner(id,films())&directors.films=is.null&limit=1', 'count=exact');
    assert.ok(nested.includes('NOT EXISTS'), nested);
  });

  test('rel.is.null inside and/or still counts through the lateral joins', () => {
    const c = text('select=id,directors()&or=(directors.is.null,id.eq.1)&limit=1', 'count=exact');
    assert.ok(!/count\(\*\) FROM "api"\."films" WHERE EXISTS/.test(c), c);
    assert.match(c, /count\(\*\) FROM "api"\."films" LEFT JOIN LATERAL/);
  });

  test('the estimate reads the same rows', () => {
    const e = estimateStatement(planGet('select=id,directors()&directors=is.null', { prefer: 'count=planned' }, null, cache));
    assert.match(e?.text ?? '', /^EXPLAIN \(FORMAT JSON\) SELECT 1 FROM "api"\."films" WHERE NOT EXISTS/);
  });
});
