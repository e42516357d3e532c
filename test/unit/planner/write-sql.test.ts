// Golden SQL of each write kind (insert, headers-only, upsert merge/ignore with on_conflict,
// PUT, update with max-affected, delete, rolled-back delete): the CTEs that write, the in-SQL
// checks, and one text per shape whatever the values.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { toApiRequest } from '../../../planner/request/request.js';
import { actionPlan } from '../../../planner/plan/plan.js';
import { mainStatement } from '../../../planner/sql/statements.js';
import { decodeSchemaCache } from '../../../planner/schema/decode.js';
import type { TxEndSetting } from '../../../planner/plan/tx-end.js';
import { compile, nameLiteral, type Compiled } from '../../../planner/sql/sql.js';

const column = (name: string, type = 'text', dflt: string | null = null) => ({ name, type, nullable: true, has_default: dflt !== null, default: dflt });
const cache = decodeSchemaCache({
  tables: JSON.stringify([
    { schema: 'api', name: 'wr', kind: 'table', insertable: true, updatable: true, deletable: true, primary_key: ['id'], columns: [column('id', 'integer'), column('name'), column('qty', 'integer', '1')] },
  ]),
});

function statement(method: string, query: string, prefer: string | null, body: string | null, txEnd: TxEndSetting = 'commit'): Compiled {
  const r = toApiRequest(
    { method, path: '/wr', query, headers: prefer === null ? {} : { prefer }, body: body === null ? null : new TextEncoder().encode(body) },
    { schemas: ['api'] },
  );
  if (!r.ok) assert.fail(r.error.message);
  const p = actionPlan(r.value, cache, { maxRows: null, txEnd });
  if (!p.ok) assert.fail(p.error.message);
  return mainStatement(p.value);
}

/** The CTEs that write, up to the projection. */
const writing = (text: string): string => text.slice('WITH '.length, text.indexOf(', pgrst_source AS'));
const BODY = `json_populate_recordset(null::"api"."wr", (SELECT CASE WHEN json_typeof(j) = 'array' THEN j ELSE json_build_array(j) END FROM (SELECT $1::json AS j) _pgrst_p)) _pgrst_body`;
const TAIL = `nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status`;

describe('golden SQL of writes', () => {
  test('insert: the body is one JSON parameter expanded in SQL', () => {
    const s = statement('POST', '', null, '[{"name":"a"},{"name":"b"}]');
    assert.equal(writing(s.text), `pgrst_mutation AS (INSERT INTO "api"."wr" ("name") SELECT "name" FROM ${BODY} RETURNING 1)`);
    // PostgREST's column order: the Location data before the body.
    assert.ok(s.text.endsWith(`AS page_total, null::text AS header, null::text AS body, ${TAIL}, null::bigint AS response_inserted FROM (SELECT * FROM pgrst_source) _pgrst_t`), s.text);
    assert.deepEqual(s.params, ['[{"name":"a"},{"name":"b"}]']);
  });

  test('RETURNING carries only what the response reads: nothing, the key for Location, the selected columns', () => {
    const returning = (s: Compiled): string => writing(s.text).replace(/^.* RETURNING /, '');
    assert.equal(returning(statement('DELETE', 'id=eq.1', 'return=minimal', null)), '1)');
    assert.equal(returning(statement('POST', '', 'return=headers-only', '{"name":"a"}')), '"api"."wr"."id")');
    assert.equal(returning(statement('PATCH', 'id=eq.1&select=qty,name', 'return=representation', '{"name":"a"}')), '"api"."wr"."name", "api"."wr"."qty")');
    assert.equal(returning(statement('DELETE', 'id=eq.1&select=q:qty::text,n:qty', 'return=representation', null)), '"api"."wr"."qty")');
    assert.equal(returning(statement('DELETE', 'id=eq.1', 'return=representation', null)), '"api"."wr".*)');
    assert.equal(returning(statement('DELETE', 'id=eq.1&select=name,*', 'return=representation', null)), '"api"."wr".*)');
    assert.equal(returning(statement('POST', 'select=name', 'return=representation, resolution=merge-duplicates', '{"id":1,"name":"a"}')), '_pgrst_w."name")');
  });

  test('headers-only: Location data from the first written row', () => {
    const s = statement('POST', '', 'return=headers-only', '{"name":"a"}');
    assert.match(s.text, /\(SELECT json_build_array\(_pgrst_l\."id"::text\)::text FROM pgrst_mutation _pgrst_l LIMIT 1\) AS header/);
  });

  test('missing=default: each element is merged over the written columns\' defaults, evaluated once per element (present key or not)', () => {
    const s = statement('POST', 'columns=name,qty', 'missing=default', '[{"name":"a"}]');
    // With ?columns= the unlisted keys are dropped before the merge, so they are never read;
    // the merged array is read in one json_populate_recordset call, as PostgREST's pgrst_json_defs.
    assert.equal(
      writing(s.text),
      `pgrst_mutation AS (INSERT INTO "api"."wr" ("name", "qty") SELECT _pgrst_body."name", _pgrst_body."qty" FROM (SELECT jsonb_agg(jsonb_build_object('qty', 1) || elem) AS val FROM jsonb_array_elements((SELECT jsonb_agg(_pgrst_n.value - $1::text[]) FROM jsonb_array_elements((SELECT CASE WHEN json_typeof(j) = 'array' THEN j ELSE json_build_array(j) END FROM (SELECT $2::json AS j) _pgrst_p)::jsonb) _pgrst_n)) elem) pgrst_json_defs, LATERAL json_populate_recordset(null::"api"."wr", pgrst_json_defs.val::json) _pgrst_body RETURNING 1)`,
    );
    assert.deepEqual(s.params, ['{"id"}', '[{"name":"a"}]']);
    // Without ?columns= the body goes to the merge as it is.
    const all = statement('POST', '', 'missing=default', '[{"name":"a","qty":2}]');
    assert.match(writing(all.text), /FROM \(SELECT jsonb_agg\(jsonb_build_object\('qty', 1\) \|\| elem\) AS val FROM jsonb_array_elements\(\(SELECT CASE .* FROM \(SELECT \$1::json AS j\) _pgrst_p\)::jsonb\) elem\) pgrst_json_defs, LATERAL json_populate_recordset/);
    // No written column has a default: nothing to merge, the plain recordset.
    const none = statement('POST', 'columns=name', 'missing=default', '[{"name":"a"}]');
    assert.doesNotMatch(none.text, /pgrst_json_defs/);
  });

  test('a merged default\'s key is the catalog name as a literal: quotes doubled, E\'\' when it holds a backslash', () => {
    assert.equal(compile(nameLiteral('qty')).text, "'qty'");
    assert.equal(compile(nameLiteral("it's")).text, "'it''s'");
    assert.equal(compile(nameLiteral('a\\b')).text, "E'a\\\\b'");
    assert.equal(compile(nameLiteral("a\\'b")).text, "E'a\\\\''b'");
    assert.deepEqual(compile(nameLiteral("it's")).params, []);
  });

  test('?columns=: keys outside the list never reach json_populate_record(set); a list of every column needs no narrowing', () => {
    const listed = statement('POST', 'columns=name', '', '[{"name":"a","qty":"x"}]');
    assert.match(writing(listed.text), /LATERAL json_populate_record\(null::"api"\."wr", CASE WHEN json_typeof\(_pgrst_e\.j\) = 'object' THEN json_build_object\(\$\d+::text, _pgrst_e\.j -> \$\d+::text\) ELSE _pgrst_e\.j END\)/);
    const patch = statement('PATCH', 'id=eq.1&columns=name', '', '{"name":"a","qty":"x"}');
    assert.match(writing(patch.text), /json_build_object\(\$\d+::text, _pgrst_p\.j -> \$\d+::text\)/);
    // Keys learned from the body are all written: the one-call recordset stays.
    const plain = statement('POST', '', '', '[{"name":"a"}]');
    assert.match(writing(plain.text), /json_populate_recordset\(null::"api"\."wr"/);
  });

  test('upsert merge-duplicates with on_conflict: inserted rows counted in pgrst.inserted', () => {
    const s = statement('POST', 'on_conflict=name', 'resolution=merge-duplicates', '[{"id":1,"name":"a"}]');
    const counter = (op: string, cmp: string): string =>
      `set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) ${op} 1)::text, true) <> '${cmp}'`;
    assert.equal(
      writing(s.text),
      `pgrst_mutation AS (INSERT INTO "api"."wr" AS _pgrst_w ("id", "name") SELECT "id", "name" FROM ${BODY} WHERE ${counter('+', '0')} ON CONFLICT ("name") DO UPDATE SET "id" = EXCLUDED."id", "name" = EXCLUDED."name" WHERE ${counter('-', '-1')} RETURNING 1)`,
    );
    // Nothing written (an empty array) counts as nothing inserted: 200, as PostgREST.
    assert.match(s.text, /coalesce\(nullif\(current_setting\('pgrst\.inserted', true\), ''\)::bigint, 0\) AS response_inserted/);
  });

  test('upsert ignore-duplicates on the primary key: nothing counted (always 201)', () => {
    const s = statement('POST', '', 'resolution=ignore-duplicates', '{"id":1}');
    assert.match(writing(s.text), /_pgrst_body ON CONFLICT \("id"\) DO NOTHING RETURNING /);
    assert.match(s.text, /null::bigint AS response_inserted/);
  });

  test('PUT: only body rows with the URL key are written, and exactly one must be, checked in SQL', () => {
    const s = statement('PUT', 'id=eq.1', null, '{"id":1,"name":"a"}');
    assert.match(
      writing(s.text),
      / AND _pgrst_body\."id" IS NOT DISTINCT FROM \$2 ON CONFLICT \("id"\) DO UPDATE SET /,
    );
    // Only the element matching the URL key is written; unless exactly one was, the statement fails.
    assert.match(s.text, /CASE WHEN pg_catalog\.count\(_pgrst_t\) = 1 THEN pg_catalog\.count\(_pgrst_t\) ELSE \('pgrst-put-mismatch:' \|\| pg_catalog\.count\(_pgrst_t\)\)::int END AS page_total/);
    assert.deepEqual(s.params, ['{"id":1,"name":"a"}', '1']);
  });

  test('update with max-affected: the count check fails the statement', () => {
    const s = statement('PATCH', 'qty=gt.1', 'handling=strict, max-affected=3', '{"name":"a"}');
    assert.equal(
      writing(s.text),
      `pgrst_mutation AS (UPDATE "api"."wr" SET "name" = _pgrst_body."name" FROM (SELECT * FROM json_populate_recordset(null::"api"."wr", (SELECT CASE WHEN json_typeof(j) = 'array' THEN j ELSE json_build_array(j) END FROM (SELECT $1::json AS j) _pgrst_p)) LIMIT 1) _pgrst_body WHERE "api"."wr"."qty" > $2 RETURNING 1)`,
    );
    assert.match(s.text, /CASE WHEN pg_catalog\.count\(_pgrst_t\) > \$3::bigint THEN \('pgrst-max-affected:' \|\| pg_catalog\.count\(_pgrst_t\)\)::int ELSE pg_catalog\.count\(_pgrst_t\) END AS page_total/);
    assert.deepEqual(s.params, ['{"name":"a"}', '1', '3']);
  });

  test('delete, and delete rolled back by db-tx-end: the same statement (the rollback is statements after it)', () => {
    const s = statement('DELETE', 'id=eq.1', null, null);
    assert.equal(writing(s.text), `pgrst_mutation AS (DELETE FROM "api"."wr" WHERE "api"."wr"."id" = $1 RETURNING 1)`);
    const r = statement('DELETE', 'id=eq.1', null, null, 'rollback');
    assert.equal(r.text, s.text);
  });

  test('same shape, different values → the same text', () => {
    const pairs: [Compiled, Compiled][] = [
      [statement('POST', '', null, '{"name":"a"}'), statement('POST', '', null, '{"name":"zzz"}')],
      [statement('PUT', 'id=eq.1', null, '{"id":1}'), statement('PUT', 'id=eq.99', null, '{"id":99}')],
      [statement('PATCH', 'id=eq.1', 'handling=strict, max-affected=1', '{"qty":1}'), statement('PATCH', 'id=eq.2', 'handling=strict,max-affected=9', '{"qty":5}')],
      [statement('POST', 'columns=name', null, '[{"name":"a"}]'), statement('POST', 'columns=name', null, '[{"name":"b","x":1}]')],
    ];
    for (const [a, b] of pairs) assert.equal(a.text, b.text);
  });
});
