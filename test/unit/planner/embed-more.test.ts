// Unit tests for embedding beyond reads: computed relationships decoded and resolved (to-one,
// to-many, overriding an FK relationship), their SQL (the function called with the parent
// row, no join condition), embeds in write representations, to-many spreads as arrays, and
// one shape → one SQL text whatever the values.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeSchemaCache } from '../../../planner/schema/decode.js';
import { decodeComputedRelationships } from '../../../planner/schema/computed.js';
import { findTable, type Table } from '../../../planner/schema/model.js';
import { relationshipsOf } from '../../../planner/schema/relationships.js';
import { findRelationship } from '../../../planner/plan/embed.js';
import { toApiRequest } from '../../../planner/request/request.js';
import { actionPlan } from '../../../planner/plan/plan.js';
import { mainStatement } from '../../../planner/sql/statements.js';
import type { Compiled } from '../../../planner/sql/sql.js';
import { intTable } from './films-schema.js';

const table = intTable;
const computed = (name: string, tbl: string, foreign: string, toOne: boolean) => ({
  schema: 'api',
  name,
  table_schema: 'api',
  table: tbl,
  foreign_schema: 'api',
  foreign_table: foreign,
  to_one: toOne,
});

const cache = decodeSchemaCache({
  tables: JSON.stringify([table('directors', ['id', 'name']), table('films', ['id', 'title', 'director_id'])]),
  foreignKeys: JSON.stringify([
    {
      constraint: 'films_director_fk',
      schema: 'api',
      table: 'films',
      columns: ['director_id'],
      foreign_schema: 'api',
      foreign_table: 'directors',
      foreign_columns: ['id'],
      unique: false,
    },
  ]),
  computed: JSON.stringify([computed('maker', 'films', 'directors', true), computed('works', 'directors', 'films', false), computed('directors', 'films', 'directors', true)]),
});
const t = (name: string): Table => findTable(cache, 'api', name)!;

function statement(method: string, path: string, query: string, headers: Record<string, string> = {}, body: string | null = null): Compiled {
  const r = toApiRequest({ method, path, query, headers, body: body === null ? null : new TextEncoder().encode(body) }, { schemas: ['api'] });
  if (!r.ok) assert.fail(r.error.message);
  const p = actionPlan(r.value, cache, { maxRows: null });
  if (!p.ok) assert.fail(p.error.message);
  return mainStatement(p.value);
}

describe('embedding: computed relationships', () => {
  test('decoded and seen from their argument table, with their cardinality', () => {
    const films = relationshipsOf(cache, t('films')).map((r) => `${r.cardinality} ${r.foreignTable.name} ${r.computed?.name ?? r.constraint}`);
    // The computed `directors` replaces the FK relationship to `directors` (PostgREST's HM.union).
    assert.deepEqual(films, ['many-to-one directors maker', 'many-to-one directors directors']);
    const directors = relationshipsOf(cache, t('directors')).filter((r) => r.computed !== null);
    assert.deepEqual(directors.map((r) => `${r.cardinality} ${r.foreignTable.name}`), ['one-to-many films']);
  });

  test('named by the function only; overrides the FK relationship of the same name', () => {
    const maker = findRelationship(cache, t('films'), 'maker', null);
    assert.ok(maker.ok && maker.value.computed?.name === 'maker');
    const dirs = findRelationship(cache, t('films'), 'directors', null);
    assert.ok(dirs.ok && dirs.value.computed?.name === 'directors');
    // The overridden FK relationship is gone, by its column or constraint too (as in PostgREST).
    const byColumn = findRelationship(cache, t('films'), 'director_id', null);
    assert.ok(!byColumn.ok && byColumn.error.code === 'PGRST200');
  });

  test('malformed catalog data fails loudly at load, not mid-request', () => {
    assert.throws(() => decodeComputedRelationships('{}'), /computed relationship data \(list\)/);
    assert.throws(() => decodeComputedRelationships(JSON.stringify([{ ...computed('f', 'films', 'directors', true), to_one: 'yes' }])), /\(to_one\)/);
    assert.deepEqual(decodeComputedRelationships('[]'), []);
  });

  test('golden SQL: the function takes the parent row, there is no join condition', () => {
    const s = statement('GET', '/films', 'select=title,maker(name)');
    assert.match(
      s.text,
      / LEFT JOIN LATERAL \(SELECT row_to_json\("pgrst_1_r"\) AS body FROM \(SELECT "directors_1"\."name" FROM "api"\."maker"\(CAST\(ROW\("api"\."films"\.\*\) AS "api"\."films"\)\) AS "directors_1"\) AS "pgrst_1_r"\) AS "pgrst_1" ON true/,
    );
  });
});

describe('embedding: writes and spreads', () => {
  test('golden SQL: a write representation embeds from the written rows', () => {
    const s = statement('PATCH', '/films', 'id=eq.1&select=title,directors!inner(name)', { prefer: 'return=representation' }, '{"title":"x"}');
    assert.match(
      s.text,
      /, pgrst_source AS \(SELECT "films"\."title", "pgrst_1"\."body" AS "directors" FROM pgrst_mutation AS "films" LEFT JOIN LATERAL \(.*CAST\(ROW\("films"\.\*\) AS "api"\."films"\).*\) AS "pgrst_1" ON true WHERE "pgrst_1"\."body" IS NOT NULL\)/,
    );
  });

  test('without embeds the representation keeps its text', () => {
    const s = statement('PATCH', '/films', 'id=eq.1&select=title', { prefer: 'return=representation' }, '{"title":"x"}');
    assert.match(s.text, /, pgrst_source AS \(SELECT "films"\."title" FROM pgrst_mutation AS "films"\) SELECT/);
  });

  test('a to-many spread aggregates each column', () => {
    const s = statement('GET', '/directors', 'select=name,...works(title)');
    assert.match(s.text, /\(SELECT coalesce\(json_agg\("pgrst_1_r"\), '\[\]'\) AS pgrst_body, coalesce\(json_agg\("pgrst_1_r"\."title"\), '\[\]'\) AS "title" FROM/);
    assert.match(s.text, /SELECT "api"\."directors"\."name", "pgrst_1"\."title" AS "title" FROM/);
  });

  test('same shape, same text: writes with embeds and embedded filters', () => {
    const a = statement('POST', '/films', 'select=id,maker(name)&maker.name=eq.a', { prefer: 'return=representation' }, '{"id":1}');
    const b = statement('POST', '/films', 'select=id,maker(name)&maker.name=eq.zz', { prefer: 'return=representation' }, '{"id":2,"title":null}');
    // The payload keys are part of the shape, so compare two bodies with the same keys.
    const c = statement('POST', '/films', 'select=id,maker(name)&maker.name=eq.zz', { prefer: 'return=representation' }, '{"id":3}');
    assert.equal(a.text, c.text);
    assert.notEqual(a.text, b.text);
    assert.ok(a.params.includes('a') && c.params.includes('zz') && !c.text.includes('zz'));
  });
});
