// Unit tests for the planner pipeline toApiRequest → actionPlan → mainStatement: values only
// as parameters and plan errors; plus arrayLiteral, txVarsStatement and the schema-cache
// decoder. Golden SQL and one-shape-one-text live in sql.test.ts.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { toApiRequest, type RawRequest } from '../../../planner/request/request.js';
import { actionPlan, type Plan } from '../../../planner/plan/plan.js';
import { mainStatement, txVarsStatement, type RequestContext } from '../../../planner/sql/statements.js';
import { arrayLiteral } from '../../../planner/sql/operators.js';
import { decodeSchemaCache } from '../../../planner/schema/decode.js';
import { findTable, levenshtein, suggestTable } from '../../../planner/schema/model.js';
import type { ApiError, Result } from '../../../planner/errors.js';
import type { Compiled } from '../../../planner/sql/sql.js';

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
const cache = decodeSchemaCache({ tables: JSON.stringify(catalogRows) });
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

/** The highest $n in a statement text. */
const maxPlaceholder = (text: string): number => Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));

describe('values never become SQL text', () => {
  const evil = "x'; drop table t; --";
  const e = encodeURIComponent(evil);
  const evilKey = "x'; drop table t; /*";
  const ek = encodeURIComponent(evilKey);
  const cases: [string, Req, string][] = [
    ['eq filter', { query: `title=eq.${e}` }, evil],
    ['not.eq filter', { query: `title=not.eq.${e}` }, evil],
    ['ilike filter', { query: `title=ilike.${e}` }, evil],
    ['in list', { query: `title=in.(${e},b)` }, arrayLiteral([evil, 'b'])],
    // A JSON key cannot hold `-:.,>()` (PostgREST's grammar), so its evil value has none.
    ['json path key in select (explicit alias)', { query: `select=k:data->>${ek}` }, evilKey],
    ['json path key in a filter', { query: `data->>${ek}=eq.1` }, evilKey],
    ['json path key in order', { query: `order=data->>${ek}` }, evilKey],
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
    assert.deepEqual(s.params, ["web_anon'; --", '{"role":"web_anon"}', 'GET', '/todos', '{}', '{}', 'api']);
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
      assert.throws(() => decodeSchemaCache({ tables: JSON.stringify(rows) }), /schema cache: unexpected catalog data/);
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
