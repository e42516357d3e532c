// Unit tests for the planner pipeline toApiRequest → actionPlan → mainStatement: same shape ⇒
// byte-identical SQL, values only as parameters, quoted identifiers, one golden statement,
// plan errors, db-max-rows; plus arrayLiteral, txVarsStatement and the schema-cache decoder.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { toApiRequest, type RawRequest } from '../../../planner/request.js';
import { actionPlan, type Plan } from '../../../planner/plan.js';
import { arrayLiteral, mainStatement, txVarsStatement, type RequestContext } from '../../../planner/statements.js';
import { decodeSchemaCache } from '../../../planner/schema/decode.js';
import { findTable, levenshtein, suggestTable } from '../../../planner/schema/model.js';
import type { ApiError, Result } from '../../../planner/errors.js';
import type { Compiled } from '../../../planner/sql.js';

const column = (name: string, type = 'text', nullable = true, has_default = false) => ({ name, type, nullable, has_default });
const catalogRows = [
  {
    schema: 'api',
    name: 'todos',
    kind: 'table',
    insertable: true,
    updatable: true,
    deletable: true,
    primary_key: ['id'],
    columns: [column('id', 'integer', false, true), column('title'), column('done', 'boolean', false, true), column('we"ird'), column('data', 'jsonb')],
  },
  {
    schema: 'api',
    name: 'people',
    kind: 'view',
    insertable: false,
    updatable: false,
    deletable: false,
    primary_key: [],
    columns: [column('name')],
  },
  {
    schema: 'other',
    name: 'items',
    kind: 'table',
    insertable: true,
    updatable: true,
    deletable: true,
    primary_key: [],
    columns: [column('id', 'integer')],
  },
];
const cache = decodeSchemaCache(JSON.stringify(catalogRows));
const config = { schemas: ['api', 'other'] };
const encoder = new TextEncoder();

interface Req {
  readonly method?: string;
  readonly path?: string;
  readonly query?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

function raw(r: Req): RawRequest {
  return {
    method: r.method ?? 'GET',
    path: r.path ?? '/todos',
    query: r.query ?? '',
    headers: r.headers ?? {},
    body: r.body === undefined ? null : encoder.encode(r.body),
  };
}

function planFor(r: Req, maxRows: number | null = null): Result<Plan> {
  const req = toApiRequest(raw(r), config);
  if (!req.ok) return req;
  return actionPlan(req.value, cache, { maxRows });
}

function statement(r: Req, maxRows: number | null = null): Compiled {
  const p = planFor(r, maxRows);
  if (!p.ok) assert.fail(`${JSON.stringify(r)} should plan, got ${p.error.code}: ${p.error.message}`);
  return mainStatement(p.value);
}

function planError(r: Req): ApiError {
  const p = planFor(r);
  if (p.ok) assert.fail(`${JSON.stringify(r)} should fail to plan`);
  return p.error;
}

function shapeOf(r: Req): string {
  const req = toApiRequest(raw(r), config);
  if (!req.ok) assert.fail(`${JSON.stringify(r)} should parse`);
  return req.value.shape;
}

/** The highest $n in a statement text. */
const maxPlaceholder = (text: string): number => Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));

describe('same shape ⇒ byte-identical SQL, values only in params', () => {
  const pairs: [string, Req, Req, (string | null)[], (string | null)[]][] = [
    ['eq value', { query: 'id=eq.1' }, { query: 'id=eq.999' }, ['1'], ['999']],
    ['in list length (one array parameter)', { query: 'title=in.(a,b)' }, { query: 'title=in.(a,b,c,d)' }, ['{"a","b"}'], ['{"a","b","c","d"}']],
    ['limit value', { query: 'limit=1' }, { query: 'limit=50' }, ['1'], ['50']],
    ['limit and offset values', { query: 'limit=1&offset=1' }, { query: 'limit=50&offset=70' }, ['1', '1'], ['50', '70']],
    ['like pattern', { query: 'title=like.a*' }, { query: 'title=like.*zz*' }, ['a%'], ['%zz%']],
    ['filter on a json path', { query: 'data->>lang=eq.en' }, { query: 'data->>lang=eq.fr' }, ['lang', 'en'], ['lang', 'fr']],
    [
      'POST body with the same keys',
      { method: 'POST', body: '{"title":"a","done":true}' },
      { method: 'POST', body: '{"title":"something else","done":false}' },
      ['{"title":"a","done":true}'],
      ['{"title":"something else","done":false}'],
    ],
    [
      'POST object vs array body with the same keys',
      { method: 'POST', body: '{"title":"a"}' },
      { method: 'POST', body: '[{"title":"b"},{"title":"c"}]' },
      ['{"title":"a"}'],
      ['[{"title":"b"},{"title":"c"}]'],
    ],
    [
      'PATCH body and filter values',
      { method: 'PATCH', query: 'id=eq.1', body: '{"title":"x"}' },
      { method: 'PATCH', query: 'id=eq.2', body: '{"title":"y"}' },
      ['{"title":"x"}', '1'],
      ['{"title":"y"}', '2'],
    ],
    ['DELETE filter value', { method: 'DELETE', query: 'id=lt.10' }, { method: 'DELETE', query: 'id=lt.20' }, ['10'], ['20']],
  ];
  for (const [name, a, b, paramsA, paramsB] of pairs) {
    test(name, () => {
      assert.equal(shapeOf(a), shapeOf(b), 'the requests have the same shape key');
      const sa = statement(a);
      const sb = statement(b);
      assert.equal(sa.text, sb.text);
      assert.notDeepEqual(sa.params, sb.params);
      assert.deepEqual(sa.params, paramsA);
      assert.deepEqual(sb.params, paramsB);
      assert.equal(maxPlaceholder(sa.text), sa.params.length, 'every parameter has a placeholder');
    });
  }

  test('an in list of any length is one array parameter', () => {
    for (const list of ['(a)', '(a,b)', '(a,b,c,d,e,f,g,h)', '()']) {
      const s = statement({ query: `title=in.${list}` });
      assert.equal(s.params.length, 1, list);
      assert.ok(s.text.includes('"title" = ANY ($1)'), s.text);
    }
  });

  test('different shapes give different text', () => {
    const texts = ['id=eq.1', 'id=neq.1', 'id=not.eq.1', 'id=is.null', 'id=in.(1)', 'order=id', 'limit=1', 'select=id'].map(
      (query) => statement({ query }).text,
    );
    assert.equal(new Set(texts).size, texts.length);
  });

  // BUG (reported): `offset=0` and `offset=5` have the same shape key ("offset") but different
  // SQL text (OFFSET is left out for 0), so a plan cache keyed by shape would reuse the wrong text.
  test('every pair of requests with equal shape keys has equal SQL text', { todo: 'offset=0 vs offset=5 share a shape but not a text' }, () => {
    const corpus: Req[] = [
      { query: 'offset=0' },
      { query: 'offset=5' },
      { query: 'limit=0' },
      { query: 'limit=5' },
      { query: 'id=eq.1' },
      { query: 'id=eq.2' },
      { query: 'x=is.null' },
    ];
    for (const a of corpus) {
      for (const b of corpus) {
        if (shapeOf(a) === shapeOf(b)) assert.equal(statement(a).text, statement(b).text, `${a.query} vs ${b.query}`);
      }
    }
  });
});

describe('values never become SQL text', () => {
  const evil = "x'; drop table t; --";
  const e = encodeURIComponent(evil);
  const cases: [string, Req, string][] = [
    ['eq filter', { query: `title=eq.${e}` }, evil],
    ['not.eq filter', { query: `title=not.eq.${e}` }, evil],
    ['ilike filter', { query: `title=ilike.${e}` }, evil],
    ['in list', { query: `title=in.(${e},b)` }, arrayLiteral([evil, 'b'])],
    ['json path key in select (explicit alias)', { query: `select=k:data->>${e}` }, evil],
    ['json path key in a filter', { query: `data->>${e}=eq.1` }, evil],
    ['json path key in order', { query: `order=data->>${e}` }, evil],
    ['POST body', { method: 'POST', body: JSON.stringify({ title: evil }) }, JSON.stringify({ title: evil })],
    ['PATCH body', { method: 'PATCH', query: 'id=eq.1', body: JSON.stringify({ title: evil }) }, JSON.stringify({ title: evil })],
    ['DELETE filter', { method: 'DELETE', query: `title=eq.${e}` }, evil],
  ];
  for (const [name, req, param] of cases) {
    test(name, () => {
      const s = statement(req);
      assert.ok(!s.text.includes(evil), s.text);
      assert.ok(!s.text.toLowerCase().includes('drop table'), s.text);
      assert.ok(s.params.includes(param), `params ${JSON.stringify(s.params)} should contain ${JSON.stringify(param)}`);
    });
  }
});

describe('identifiers are quoted', () => {
  test('schema and table are quoted and qualified', () => {
    assert.ok(statement({}).text.includes('FROM "api"."todos"'));
    assert.ok(statement({ path: '/items', headers: { 'accept-profile': 'other' } }).text.includes('FROM "other"."items"'));
  });

  const weird = [
    ['select', { query: 'select=%22we%5C%22ird%22' }],
    ['filter', { query: '%22we%5C%22ird%22=eq.1' }],
    ['order', { query: 'order=%22we%5C%22ird%22.desc' }],
    ['POST payload key', { method: 'POST', body: '{"we\\"ird":1}' }],
    ['PATCH payload key', { method: 'PATCH', body: '{"we\\"ird":1}' }],
  ] as const;
  for (const [where, req] of weird) {
    test(`a column named we"ird in ${where} appears as "we""ird"`, () => {
      const { text } = statement(req);
      assert.ok(text.includes('"we""ird"'), text);
      assert.ok(!text.includes('"we"ird"'), text);
    });
  }

  test("a JSON path's default alias (its last key) is a quoted identifier", () => {
    const { text, params } = statement({ query: 'select=data->>a%22b' });
    assert.ok(text.includes('"api"."todos"."data"->>$1::text AS "a""b"'), text);
    assert.deepEqual(params, ['a"b']);
  });

  test('aliases are quoted identifiers', () => {
    const { text } = statement({ query: 'select=Nice%20Name:title,data->>lang' });
    assert.ok(text.includes('"api"."todos"."title" AS "Nice Name"'), text);
    assert.ok(text.includes('"api"."todos"."data"->>$1::text AS "lang"'), text);
  });
});

describe('golden SQL', () => {
  test('GET /todos?select=id,title&done=eq.false&order=id.desc&limit=10', () => {
    const s = statement({ query: 'select=id,title&done=eq.false&order=id.desc&limit=10' });
    assert.equal(
      s.text,
      'WITH pgrst_source AS (SELECT "api"."todos"."id", "api"."todos"."title" FROM "api"."todos" WHERE "api"."todos"."done" = $1 ORDER BY "api"."todos"."id" DESC LIMIT $2) ' +
        "SELECT null::bigint AS total_result_set, pg_catalog.count(_pgrst_t) AS page_total, coalesce(json_agg(_pgrst_t), '[]')::text AS body, " +
        "nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status " +
        'FROM (SELECT * FROM pgrst_source) _pgrst_t',
    );
    assert.deepEqual(s.params, ['false', '10']);
  });

  test('HEAD leaves the body out; count=exact counts with the same filters', () => {
    const s = statement({ method: 'HEAD', query: 'id=gt.3', headers: { prefer: 'count=exact' } });
    assert.ok(s.text.includes('null::text AS body'), s.text);
    assert.ok(s.text.includes('(SELECT pg_catalog.count(*) FROM "api"."todos" WHERE "api"."todos"."id" > $2) AS total_result_set'), s.text);
    assert.deepEqual(s.params, ['3', '3']);
  });

  test('writes return the body only with return=representation', () => {
    const minimal = statement({ method: 'POST', body: '{"title":"a"}' });
    const repr = statement({ method: 'POST', body: '{"title":"a"}', headers: { prefer: 'return=representation' } });
    assert.ok(minimal.text.includes('null::text AS body'));
    assert.ok(repr.text.includes("coalesce(json_agg(_pgrst_t), '[]')::text AS body"));
    assert.ok(minimal.text.includes('INSERT INTO "api"."todos" ("title")'));
  });
});

describe('plan errors', () => {
  test('unknown table → 404 PGRST205 with a suggestion', () => {
    const e = planError({ path: '/todoss' });
    assert.equal(e.status, 404);
    assert.equal(e.code, 'PGRST205');
    assert.equal(e.message, "Could not find the table 'api.todoss' in the schema cache");
    assert.equal(e.hint, "Perhaps you meant the table 'api.todos'");
  });

  test('unknown table far from any name → no hint', () => {
    const e = planError({ path: '/zzzzzzzzzz' });
    assert.equal(e.code, 'PGRST205');
    assert.equal(e.hint, null);
  });

  test('a table in another exposed schema is not found in the default one', () => {
    assert.equal(planError({ path: '/items' }).code, 'PGRST205');
  });

  test('unknown payload column → 400 PGRST204', () => {
    for (const method of ['POST', 'PATCH']) {
      const e = planError({ method, body: '{"title":"a","nope":1}' });
      assert.equal(e.status, 400);
      assert.equal(e.code, 'PGRST204');
      assert.equal(e.message, "Could not find the 'nope' column of 'todos' in the schema cache");
    }
  });
});

describe('db-max-rows', () => {
  const cases: [string, number | null, string[] | null][] = [
    ['limit=50', 5, ['5']],
    ['limit=3', 5, ['3']],
    ['', 5, ['5']],
    ['limit=50', null, ['50']],
    ['', null, null],
  ];
  for (const [query, maxRows, params] of cases) {
    test(`${query || '(no limit)'} with maxRows=${maxRows}`, () => {
      const p = planFor({ query }, maxRows);
      assert.ok(p.ok);
      if (!p.ok || p.value.kind !== 'read') return;
      const s = mainStatement(p.value);
      if (params === null) {
        assert.equal(p.value.limit, null);
        assert.ok(!s.text.includes('LIMIT'), s.text);
      } else {
        assert.equal(p.value.limit, Number(params[0]));
        assert.deepEqual(s.params, params);
        assert.ok(s.text.includes('LIMIT $1'), s.text);
      }
    });
  }

  test('capped and uncapped limits give the same text', () => {
    assert.equal(statement({ query: 'limit=1' }, 5).text, statement({ query: 'limit=50' }, 5).text);
  });
});

describe('arrayLiteral', () => {
  const cases: [string[], string][] = [
    [[], '{}'],
    [['a', 'b'], '{"a","b"}'],
    [['b"c'], '{"b\\"c"}'],
    [['d\\e'], '{"d\\\\e"}'],
    [['f,g'], '{"f,g"}'],
    [[''], '{""}'],
    [['NULL'], '{"NULL"}'],
    [['{x}', ' sp '], '{"{x}"," sp "}'],
    [['\\"'], '{"\\\\\\""}'],
  ];
  for (const [values, expected] of cases) {
    test(JSON.stringify(values), () => assert.equal(arrayLiteral(values), expected));
  }
});

describe('txVarsStatement', () => {
  const ctx = (readOnly: boolean): RequestContext => ({
    role: "web_anon'; --",
    claims: '{"role":"web_anon"}',
    method: 'GET',
    path: '/todos',
    headers: '{}',
    cookies: '{}',
    searchPath: 'api',
    settings: [],
    readOnly,
  });

  test('read-only text differs from write text; params are the same', () => {
    const ro = txVarsStatement(ctx(true));
    const rw = txVarsStatement(ctx(false));
    assert.notEqual(ro.text, rw.text);
    assert.ok(ro.text.includes("set_config('transaction_read_only', 'on', true)"));
    assert.ok(!rw.text.includes('transaction_read_only'));
    assert.equal(ro.params.length, rw.params.length);
    assert.deepEqual(ro.params, rw.params);
    assert.equal(maxPlaceholder(ro.text), ro.params.length);
  });

  test('context values are parameters, not text', () => {
    const s = txVarsStatement(ctx(false));
    assert.deepEqual(s.params, ["web_anon'; --", '{"role":"web_anon"}', 'GET', '/todos', '{}', '{}', 'api', '{}', '{}']);
    assert.ok(!s.text.includes('web_anon'));
    assert.equal(txVarsStatement({ ...ctx(false), role: 'other' }).text, s.text);
  });
});

describe('schema cache decoding and lookup', () => {
  test('decodes tables with columns, keys and capabilities', () => {
    const t = findTable(cache, 'api', 'todos');
    assert.ok(t !== undefined);
    assert.equal(t.kind, 'table');
    assert.deepEqual(t.primaryKey, ['id']);
    assert.deepEqual(t.columnsByName.get('id'), { name: 'id', type: 'integer', nullable: false, hasDefault: true });
    assert.deepEqual(
      t.columns.map((c) => c.name),
      ['id', 'title', 'done', 'we"ird', 'data'],
    );
    const v = findTable(cache, 'api', 'people');
    assert.deepEqual([v?.kind, v?.insertable, v?.updatable, v?.deletable], ['view', false, false, false]);
    assert.equal(findTable(cache, 'other', 'todos'), undefined);
  });

  const bad: [string, unknown][] = [
    ['not an array', { schema: 'api' }],
    ['unknown kind', [{ ...catalogRows[0], kind: 'sequence' }]],
    ['missing columns', [{ ...catalogRows[0], columns: undefined }]],
    ['non-boolean flag', [{ ...catalogRows[0], insertable: 'yes' }]],
    ['bad column', [{ ...catalogRows[0], columns: [{ name: 'x', type: 'text', nullable: true }] }]],
    ['bad primary key', [{ ...catalogRows[0], primary_key: [1] }]],
  ];
  for (const [name, rows] of bad) {
    test(`malformed catalog data throws: ${name}`, () => {
      assert.throws(() => decodeSchemaCache(JSON.stringify(rows)), /schema cache: unexpected catalog data/);
    });
  }

  test('suggestTable only suggests plausible typos within the schema', () => {
    assert.equal(suggestTable(cache, 'api', 'todo'), 'todos');
    assert.equal(suggestTable(cache, 'api', 'peple'), 'people');
    assert.equal(suggestTable(cache, 'api', 'items'), null);
    assert.equal(suggestTable(cache, 'other', 'itemz'), 'items');
  });

  test('levenshtein distances', () => {
    assert.equal(levenshtein('', ''), 0);
    assert.equal(levenshtein('abc', ''), 3);
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(levenshtein('todos', 'todoss'), 1);
  });
});
