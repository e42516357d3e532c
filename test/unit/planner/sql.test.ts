// Golden SQL per feature, and the determinism contract: one URL shape → byte-identical SQL
// text whatever the values (an `in.(…)` list of any length is one array parameter).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mainStatement, type Compiled } from '../../../planner/index.js';
import { planGet } from './films-schema.js';

function compileGet(query: string, headers: Record<string, string> = {}, maxRows: number | null = null): Compiled {
  return mainStatement(planGet(query, headers, maxRows));
}

/** The source CTE of the read statement: everything golden tests care about. */
function source(c: Compiled): string {
  const m = /^WITH pgrst_source AS \((.*)\) SELECT /.exec(c.text);
  assert.ok(m !== null, c.text);
  return m[1]!;
}

const FROM = 'FROM "api"."films"';
const PAGE = 'LIMIT $_ OFFSET $_';

describe('golden SQL', () => {
  const cases: [string, string, (string | null)[]][] = [
    ['', `SELECT "api"."films".* ${FROM} ${PAGE}`, [null, '0']],
    ['select=id,name:title,year::text', `SELECT "api"."films"."id", "api"."films"."title" AS "name", CAST("api"."films"."year" AS text) AS "year" ${FROM} ${PAGE}`, [null, '0']],
    ['select=details->cast->>0,cost->amount', `SELECT "api"."films"."details"->$1::text->>$2::int AS "cast", to_jsonb("api"."films"."cost")->$3::text AS "amount" ${FROM} ${PAGE}`, ['cast', '0', 'amount', null, '0']],
    ['title=like.*A*', `SELECT "api"."films".* ${FROM} WHERE "api"."films"."title" LIKE $1 ${PAGE}`, ['%A%', null, '0']],
    ['year=not.isdistinct.1', `SELECT "api"."films".* ${FROM} WHERE NOT ("api"."films"."year" IS DISTINCT FROM $1) ${PAGE}`, ['1', null, '0']],
    ['title=imatch(all).{a,b}', `SELECT "api"."films".* ${FROM} WHERE "api"."films"."title" ~* ALL ($1) ${PAGE}`, ['{a,b}', null, '0']],
    ['id=in.(1,"a,b")', `SELECT "api"."films".* ${FROM} WHERE "api"."films"."id" = ANY ($1) ${PAGE}`, ['{"1","a,b"}', null, '0']],
    ['year=is.unknown', `SELECT "api"."films".* ${FROM} WHERE "api"."films"."year" IS UNKNOWN ${PAGE}`, [null, '0']],
    ['search=wfts(english).x', `SELECT "api"."films".* ${FROM} WHERE "api"."films"."search" @@ websearch_to_tsquery($1::regconfig, $2) ${PAGE}`, ['english', 'x', null, '0']],
    ['synopsis=fts.x', `SELECT "api"."films".* ${FROM} WHERE to_tsvector("api"."films"."synopsis") @@ to_tsquery($1) ${PAGE}`, ['x', null, '0']],
    ['tags=ov.{a}', `SELECT "api"."films".* ${FROM} WHERE "api"."films"."tags" && $1 ${PAGE}`, ['{a}', null, '0']],
    [
      'not.or=(id.eq.1,and(year.gt.2,title.not.is.null))',
      `SELECT "api"."films".* ${FROM} WHERE NOT ("api"."films"."id" = $1 OR ("api"."films"."year" > $2 AND NOT ("api"."films"."title" IS NULL))) ${PAGE}`,
      ['1', '2', null, '0'],
    ],
    ['order=year.desc.nullslast,details->>lang&limit=2&offset=3', `SELECT "api"."films".* ${FROM} ORDER BY "api"."films"."year" DESC NULLS LAST, "api"."films"."details"->>$1::text ${PAGE}`, ['lang', '2', '3']],
  ];
  for (const [query, expected, params] of cases) {
    test(query || '(no query)', () => {
      const c = compileGet(query);
      assert.equal(source(c).replace(/\$\d+/g, (p) => (/LIMIT|OFFSET/.test(c.text.slice(c.text.indexOf(p) - 7, c.text.indexOf(p))) ? '$_' : p)), expected);
      assert.deepEqual(c.params, params);
    });
  }

  test('count=exact adds a count over the same conditions when rows are paged', () => {
    const c = compileGet('id=gt.1&limit=5', { prefer: 'count=exact' });
    assert.match(c.text, /SELECT \(SELECT pg_catalog\.count\(\*\) FROM "api"\."films" WHERE "api"\."films"\."id" > \$4\) AS total_result_set/);
  });

  test('count=exact without paging counts the page: one aggregate (PostgREST countF)', () => {
    const c = compileGet('id=gt.1', { prefer: 'count=exact' });
    assert.match(c.text, /SELECT pg_catalog\.count\(_pgrst_t\) AS total_result_set, pg_catalog\.count\(_pgrst_t\) AS page_total/);
    assert.equal(c.text.match(/count\(/g)?.length, 2);
  });

  test('media types choose the body expression', () => {
    assert.match(compileGet('', { accept: 'text/csv' }).text, /string_agg\(substring\(_pgrst_t::text/);
    assert.match(compileGet('', { accept: 'application/vnd.pgrst.object+json' }).text, /coalesce\(\(json_agg\(_pgrst_t\)->0\), 'null'\) AS body/);
    assert.match(compileGet('', { accept: 'application/vnd.pgrst.array+json;nulls=stripped' }).text, /json_strip_nulls\(json_agg\(_pgrst_t\)\)/);
  });

  test('Range header and db-max-rows become the LIMIT/OFFSET parameters', () => {
    assert.deepEqual(compileGet('', { range: '2-5' }).params, ['4', '2']);
    assert.deepEqual(compileGet('', { range: '3-' }).params, [null, '3']);
    assert.deepEqual(compileGet('limit=2', { range: '1-9' }).params, ['1', '1']);
    assert.deepEqual(compileGet('limit=50', {}, 10).params, ['10', '0']);
    assert.deepEqual(compileGet('', {}, 10).params, ['10', '0']);
  });
});

describe('one shape, one SQL text', () => {
  const pairs: [string, string][] = [
    ['id=in.(1,2)', 'id=in.(3,4,5,6,"seven")'],
    ['id=in.()', 'id=in.(1)'],
    ['title=eq.a&limit=1', 'title=eq.bbb&limit=100'],
    ['offset=0', 'offset=7'],
    ['details->>lang=eq.ja&order=details->>a', 'details->>xx=eq.fr&order=details->>b'],
    ['or=(id.eq.1,and(year.in.(1,2),title.like(any).{a*}))', 'or=(id.eq.9,and(year.in.(3),title.like(any).{b*,c*}))'],
    ['search=fts(english).cat', 'search=fts(simple).dog'],
  ];
  for (const [a, b] of pairs) {
    test(`${a} ≡ ${b}`, () => {
      const ca = compileGet(a);
      const cb = compileGet(b);
      assert.equal(ca.text, cb.text);
      assert.equal(ca.params.length, cb.params.length);
      assert.notDeepEqual(ca.params, cb.params);
    });
  }

  test('different shapes give different text', () => {
    assert.notEqual(compileGet('id=eq.1').text, compileGet('id=neq.1').text);
    assert.notEqual(compileGet('id=eq.1').text, compileGet('id=eq(any).{1}').text);
    assert.notEqual(compileGet('search=fts.x').text, compileGet('search=fts(english).x').text);
  });
});
