// Table-driven tests of the URL grammar: query string → conditions, select, order and paging,
// and the PGRST100 error for every malformed input (with PostgREST's message shape).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQueryParams, splitQuery } from '../../../planner/request/query-params.js';
import type { Condition, Operation } from '../../../planner/request/types.js';

function parse(query: string) {
  const r = parseQueryParams(splitQuery(query));
  if (!r.ok) throw new Error(`${query}: ${r.error.message} / ${r.error.details}`);
  return r.value;
}

function only(query: string): Condition {
  const filters = parse(query).filters;
  assert.equal(filters.length, 1, query);
  assert.deepEqual(filters[0]!.path, []);
  return filters[0]!.condition;
}

const f = (name: string, operation: Operation, negated = false): Condition => ({
  kind: 'filter',
  filter: { field: { name, json: [] }, negated, operation },
});

describe('filter grammar', () => {
  const cases: [string, Condition][] = [
    ['a=eq.1', f('a', { kind: 'compare', op: 'eq', value: '1' })],
    ['a=neq.x.y', f('a', { kind: 'compare', op: 'neq', value: 'x.y' })],
    ['a=not.gt.5', f('a', { kind: 'compare', op: 'gt', value: '5' }, true)],
    ['a=like.*b*', f('a', { kind: 'compare', op: 'like', value: '*b*' })],
    ['a=imatch.^x', f('a', { kind: 'compare', op: 'imatch', value: '^x' })],
    ['a=isdistinct.3', f('a', { kind: 'compare', op: 'isdistinct', value: '3' })],
    ['a=cs.{1,2}', f('a', { kind: 'compare', op: 'cs', value: '{1,2}' })],
    ['a=adj.[1,2)', f('a', { kind: 'compare', op: 'adj', value: '[1,2)' })],
    ['a=eq(any).{1,2}', f('a', { kind: 'quant', op: 'eq', quantifier: 'any', value: '{1,2}' })],
    ['a=not.like(all).{a*,*b}', f('a', { kind: 'quant', op: 'like', quantifier: 'all', value: '{a*,*b}' }, true)],
    ['a=in.(1,"2,3",4)', f('a', { kind: 'in', values: ['1', '2,3', '4'] })],
    ['a=in.("a\\"b","c\\\\d")', f('a', { kind: 'in', values: ['a"b', 'c\\d'] })],
    ['a=in.()', f('a', { kind: 'in', values: [] })],
    ['a=in.(1,)', f('a', { kind: 'in', values: ['1', ''] })],
    ['a=is.NULL', f('a', { kind: 'is', value: 'null' })],
    ['a=is.not_null', f('a', { kind: 'is', value: 'not_null' })],
    ['a=not.is.unknown', f('a', { kind: 'is', value: 'unknown' }, true)],
    ['a=fts.cat', f('a', { kind: 'fts', op: 'fts', language: null, value: 'cat' })],
    ['a=wfts(english).cat or dog', f('a', { kind: 'fts', op: 'wfts', language: 'english', value: 'cat or dog' })],
  ];
  for (const [query, expected] of cases) {
    test(query, () => assert.deepEqual(only(query), expected));
  }

  test('JSON path and quoted field names', () => {
    const c = only('data->a->>0=eq.x');
    assert.ok(c.kind === 'filter');
    assert.deepEqual(c.filter.field, {
      name: 'data',
      json: [
        { arrow: '->', key: 'a', index: false },
        { arrow: '->>', key: '0', index: true },
      ],
    });
    const q = only('%22information.cpe%22=eq.x');
    assert.ok(q.kind === 'filter');
    assert.equal(q.filter.field.name, 'information.cpe');
    const s = only('spaced%20col=eq.x');
    assert.ok(s.kind === 'filter');
    assert.equal(s.filter.field.name, 'spaced col');
  });
});

describe('logic trees', () => {
  test('nested or/and/not with lists, arrays and quoted values', () => {
    const c = only('not.or=(a.eq.1,and(b.in.(1,2),not.or(c.cs.{x,y},d.eq."p,q")),e.not.is.null)');
    assert.deepEqual(c, {
      kind: 'tree',
      op: 'or',
      negated: true,
      children: [
        f('a', { kind: 'compare', op: 'eq', value: '1' }),
        {
          kind: 'tree',
          op: 'and',
          negated: false,
          children: [
            f('b', { kind: 'in', values: ['1', '2'] }),
            {
              kind: 'tree',
              op: 'or',
              negated: true,
              children: [f('c', { kind: 'compare', op: 'cs', value: '{x,y}' }), f('d', { kind: 'compare', op: 'eq', value: 'p,q' })],
            },
          ],
        },
        f('e', { kind: 'is', value: 'null' }, true),
      ],
    });
  });

  test('modifiers and fts languages inside trees', () => {
    const c = only('and=(a.like(any).{x*,y*},b.fts(english).cat)');
    assert.ok(c.kind === 'tree');
    assert.deepEqual(c.children, [
      f('a', { kind: 'quant', op: 'like', quantifier: 'any', value: '{x*,y*}' }),
      f('b', { kind: 'fts', op: 'fts', language: 'english', value: 'cat' }),
    ]);
  });
});

describe('select, order, paging', () => {
  test('select with aliases, casts and JSON paths', () => {
    assert.deepEqual(parse('select=id,name:title,year::text,lang:details->>lang,details->cast->0').select, [
      { kind: 'field', field: { name: 'id', json: [] }, alias: null, cast: null },
      { kind: 'field', field: { name: 'title', json: [] }, alias: 'name', cast: null },
      { kind: 'field', field: { name: 'year', json: [] }, alias: null, cast: 'text' },
      { kind: 'field', field: { name: 'details', json: [{ arrow: '->>', key: 'lang', index: false }] }, alias: 'lang', cast: null },
      {
        kind: 'field',
        field: { name: 'details', json: [{ arrow: '->', key: 'cast', index: false }, { arrow: '->', key: '0', index: true }] },
        alias: null,
        cast: null,
      },
    ]);
  });

  test('order with directions, nulls and JSON paths', () => {
    assert.deepEqual(parse('order=year.desc.nullslast,details->>lang,id.asc').order, [
      { field: { name: 'year', json: [] }, direction: 'desc', nulls: 'last' },
      { field: { name: 'details', json: [{ arrow: '->>', key: 'lang', index: false }] }, direction: null, nulls: null },
      { field: { name: 'id', json: [] }, direction: 'asc', nulls: null },
    ]);
  });

  test('limit and offset', () => {
    const p = parse('limit=0&offset=5');
    assert.equal(p.limit, 0);
    assert.equal(p.offset, 5);
  });
});

describe('logic trees as the PostgREST parser reads them', () => {
  const tree = (query: string): unknown => {
    const r = parseQueryParams(splitQuery(query));
    if (!r.ok) assert.fail(`${query}: ${r.error.message} ${r.error.details ?? ''}`);
    return r.value.filters[0]?.condition;
  };
  const eq = (name: string, value: string) => ({ kind: 'filter', filter: { field: { name, json: [] }, negated: false, operation: { kind: 'compare', op: 'eq', value } } });
  test('anything after the closing ) is ignored', () => {
    assert.deepEqual(tree('or=(a.eq.1)x,b.eq.2'), { kind: 'tree', op: 'or', negated: false, children: [eq('a', '1')] });
  });
  test('spaces around parentheses, commas and nested operators', () => {
    assert.deepEqual(tree('and=( and ( a.eq.1 , b.eq.2 ) , not.or (c.eq.3) )'), {
      kind: 'tree',
      op: 'and',
      negated: false,
      children: [
        { kind: 'tree', op: 'and', negated: false, children: [eq('a', '1 '), eq('b', '2 ')] },
        { kind: 'tree', op: 'or', negated: true, children: [eq('c', '3')] },
      ],
    });
  });
  test('a column named like an operator is still a column', () => {
    assert.deepEqual(tree('or=(and_col.eq.1)'), { kind: 'tree', op: 'or', negated: false, children: [eq('and_col', '1')] });
  });
});

describe('grammar errors are PGRST100', () => {
  const bad: [string, RegExp][] = [
    ['a=eqq.1', /^"failed to parse filter \(eqq\.1\)" \(line 1, column 1\)$/],
    ['a=eq', /^"failed to parse filter \(eq\)" \(line 1, column 3\)$/],
    ['a=not.nope.1', /^"failed to parse filter \(not\.nope\.1\)" \(line 1, column 5\)$/],
    ['a=neq(any).{1}', /^"failed to parse filter/],
    ['a=eq(some).{1}', /^"failed to parse filter/],
    ['a=fts(x y).z', /^"failed to parse filter/],
    ['a=eq(any.{1}', /^"failed to parse filter/],
    ['a=in.1,2', /^"failed to parse filter/],
    ['a=in.(1,2', /^"failed to parse filter/],
    ['a=is.maybe', /^"failed to parse filter/],
    // PostgREST parses `or(a.eq.1`: its columns count the operator, its message shows the value.
    ['or=(a.eq.1', /^"failed to parse logic tree \(\(a\.eq\.1\)" \(line 1, column 10\)$/],
    ['not.or=()', /^"failed to parse logic tree \(\(\)\)" \(line 1, column 8\)$/],
    ['or=a.eq.1', /^"failed to parse logic tree/],
    ['or=()', /^"failed to parse logic tree/],
    ['or=(a)', /^"failed to parse logic tree/],
    ['or=(a.eq)', /^"failed to parse logic tree/],
    ['or=(a.in.(1,2)', /^"failed to parse logic tree/],
    ['or=(a.eq."x)', /^"failed to parse logic tree/],
    ['or=(a.cs.{1,2)', /^"failed to parse logic tree/],
    ['and=(a.eq.1,or(b.eq.2)', /^"failed to parse logic tree/],
    ['order=a.sideways', /^"failed to parse order/],
    ['select=a::bad-type', /^"failed to parse select/],
  ];
  for (const [query, message] of bad) {
    test(query, () => {
      const r = parseQueryParams(splitQuery(query));
      assert.equal(r.ok, false, query);
      if (r.ok) return;
      assert.equal(r.error.status, 400);
      assert.equal(r.error.code, 'PGRST100');
      assert.match(r.error.message, message);
      assert.match(r.error.details ?? '', /^unexpected .* expecting /);
    });
  }

  test('in lists as PostgREST: blanks after ( skipped, a quote not closing an element is literal', () => {
    const values = (q: string): readonly string[] | null => {
      const r = parseQueryParams(splitQuery(q));
      const c = r.ok ? r.value.filters[0]?.condition : undefined;
      return c?.kind === 'filter' && c.filter.operation.kind === 'in' ? c.filter.operation.values : null;
    };
    assert.deepEqual(values('a=in.(    )'), []);
    assert.deepEqual(values('a=in.( 1, 2 )'), ['1', ' 2 ']);
    assert.deepEqual(values('a=in.(")'), ['"']);
    assert.deepEqual(values('a=in.("x"y,"z")'), ['"x"y', 'z']);
    assert.deepEqual(values('a=in.("x,y",z)'), ['x,y', 'z']);
  });

  test('limit/offset that are no integers are ignored; negative ones are kept for range.ts', () => {
    const r = parseQueryParams(splitQuery('limit=x&offset=1.5'));
    assert.ok(r.ok && r.value.limit === null && r.value.offset === null);
    const n = parseQueryParams(splitQuery('limit=-1&offset=-4'));
    assert.ok(n.ok && n.value.limit === -1 && n.value.offset === -4);
  });

  test('PostgREST wording of the details', () => {
    const details = (q: string): string | null => {
      const r = parseQueryParams(splitQuery(q));
      return r.ok ? null : r.error.details;
    };
    assert.equal(details('a=rsvp'), 'unexpected "r" expecting "not" or operator (eq, gt, ...)');
    assert.equal(details('a=is.maybe'), 'unexpected "m" expecting null or trilean value (unknown, true, false)');
    const sel = parseQueryParams(splitQuery('select=id,'));
    assert.ok(!sel.ok && sel.error.message.startsWith('"failed to parse select parameter (id,)"'));
  });

  test('embeds and embed-scoped parameters parse', () => {
    const r = parseQueryParams(splitQuery('select=*,d:directors!fk!inner(name,films())&d.name=eq.x&d.films.limit=2'));
    assert.ok(r.ok);
    assert.deepEqual(r.value.select[1], {
      kind: 'embed',
      name: 'directors',
      alias: 'd',
      hint: 'fk',
      join: 'inner',
      spread: false,
      select: [
        { kind: 'field', field: { name: 'name', json: [] }, alias: null, cast: null },
        { kind: 'embed', name: 'films', alias: null, hint: null, join: null, spread: false, select: [] },
      ],
    });
    assert.deepEqual(r.value.filters[0]?.path, ['d']);
    assert.deepEqual(r.value.embedParams, [{ kind: 'limit', path: ['d', 'films'], value: 2, shape: 'limit' }]);
  });
});
