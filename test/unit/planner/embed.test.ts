// Unit tests for embedding: relationships derived from decoded foreign keys (m2o, o2m, o2o,
// m2m through a junction), resolution with hints and the PGRST200/201 errors, golden SQL
// for a nested embed, and one shape → one SQL text.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeSchemaCache } from '../../../planner/schema/decode.js';
import { findTable, type Table } from '../../../planner/schema/model.js';
import { relationshipsOf } from '../../../planner/schema/relationships.js';
import { findRelationship } from '../../../planner/plan/embed.js';
import { mainStatement } from '../../../planner/sql/statements.js';
import { targetList } from '../../../planner/schema/views.js';
import { fkRow as fk, intTable, planGet } from './films-schema.js';

const table = intTable;
const cache = decodeSchemaCache({
  tables: JSON.stringify([
    table('directors', ['id', 'name'], ['id']),
    table('films', ['id', 'title', 'director_id'], ['id']),
    table('actors', ['id', 'name'], ['id']),
    table('roles', ['film_id', 'actor_id'], ['film_id', 'actor_id']),
    table('specs', ['film_id', 'runtime'], ['film_id']),
    table('addresses', ['id'], ['id']),
    table('orders', ['id', 'billing', 'shipping'], ['id']),
  ]),
  foreignKeys: JSON.stringify([
    fk('films_director_fk', 'films', ['director_id'], 'directors', ['id']),
    fk('roles_film_fk', 'roles', ['film_id'], 'films', ['id']),
    fk('roles_actor_fk', 'roles', ['actor_id'], 'actors', ['id']),
    fk('specs_film_fk', 'specs', ['film_id'], 'films', ['id'], true),
    fk('orders_billing_fk', 'orders', ['billing'], 'addresses', ['id']),
    fk('orders_shipping_fk', 'orders', ['shipping'], 'addresses', ['id']),
  ]),
});
const t = (name: string): Table => findTable(cache, 'api', name)!;

describe('embedding: relationships and resolution', () => {
  test('cardinalities seen from each end', () => {
    const films = relationshipsOf(cache, t('films')).map((r) => `${r.cardinality} ${r.foreignTable.name} ${r.constraint}`);
    assert.deepEqual(films, [
      'many-to-one directors films_director_fk',
      'one-to-many roles roles_film_fk',
      'many-to-many actors roles_actor_fk',
      'one-to-one specs specs_film_fk',
    ]);
    const specs = relationshipsOf(cache, t('specs')).map((r) => `${r.cardinality} ${r.foreignTable.name}`);
    assert.deepEqual(specs, ['one-to-one films']);
  });

  test('names, FK columns, constraint names and hints', () => {
    const by = (tbl: string, name: string, hint: string | null = null): string => {
      const r = findRelationship(cache, t(tbl), name, hint);
      return r.ok ? r.value.constraint : r.error.code;
    };
    assert.equal(by('films', 'directors'), 'films_director_fk');
    assert.equal(by('films', 'director_id'), 'films_director_fk');
    assert.equal(by('orders', 'orders_shipping_fk'), 'orders_shipping_fk');
    assert.equal(by('orders', 'addresses'), 'PGRST201');
    assert.equal(by('orders', 'addresses', 'billing'), 'orders_billing_fk');
    assert.equal(by('actors', 'films', 'roles'), 'roles_film_fk');
    assert.equal(by('films', 'directorz'), 'PGRST200');
    assert.equal(by('films', 'directors', 'nope'), 'PGRST200');
  });

  test('PGRST200 and PGRST201 are shaped as PostgREST', () => {
    const none = findRelationship(cache, t('films'), 'directorz', null);
    assert.ok(!none.ok);
    assert.equal(none.error.status, 400);
    assert.equal(none.error.hint, "Perhaps you meant 'directors' instead of 'directorz'.");
    const many = findRelationship(cache, t('orders'), 'addresses', null);
    assert.ok(!many.ok);
    assert.equal(many.error.status, 300);
    assert.deepEqual(many.error.detailsJson?.[0], {
      cardinality: 'many-to-one',
      embedding: 'orders with addresses',
      relationship: 'orders_billing_fk using orders(billing) and addresses(id)',
    });
  });

  test('golden SQL: nested embeds are lateral JSON subqueries, values are parameters', () => {
    const plan = planGet('select=title,d:directors!inner(name)&d.name=eq.K', {}, null, cache);
    const st = mainStatement(plan);
    assert.equal(
      st.text,
      'WITH pgrst_source AS (SELECT "api"."films"."title", "pgrst_1"."body" AS "d" FROM "api"."films" LEFT JOIN LATERAL (SELECT row_to_json("pgrst_1_r") AS body FROM (SELECT "directors_1"."name" FROM "api"."directors" AS "directors_1" WHERE "directors_1"."id" = "api"."films"."director_id" AND "directors_1"."name" = $1) AS "pgrst_1_r") AS "pgrst_1" ON true WHERE "pgrst_1"."body" IS NOT NULL LIMIT $2 OFFSET $3) SELECT null::bigint AS total_result_set, pg_catalog.count(_pgrst_t) AS page_total, coalesce(json_agg(_pgrst_t), \'[]\') AS body, nullif(current_setting(\'response.headers\', true), \'\') AS response_headers, nullif(current_setting(\'response.status\', true), \'\') AS response_status FROM (SELECT * FROM pgrst_source) _pgrst_t',
    );
    assert.deepEqual(st.params, ['K', null, '0']);
  });

  test('same shape, same text; embed parts are in the shape', () => {
    const a = planGet('select=id,actors(name)&actors.name=eq.a', {}, null, cache);
    const b = planGet('select=id,actors(name)&actors.name=eq.b', {}, null, cache);
    const c = planGet('select=id,actors(id)&actors.name=eq.b', {}, null, cache);
    assert.equal(mainStatement(a).text, mainStatement(b).text);
    assert.equal(a.request.shape, b.request.shape);
    assert.notEqual(a.request.shape, c.request.shape);
    assert.match(mainStatement(a).text, /JOIN "api"."roles" AS "pgrst_1_j" ON "pgrst_1_j"."actor_id" = "actors_1"."id"/);
  });

  test('the top-level target list of a view, not its subqueries', () => {
    const action =
      '({QUERY :commandType 1 :rtable ({RANGETBLENTRY :subquery {QUERY :targetList ({TARGETENTRY :resno 1 :resname inner :resorigtbl 9 :resorigcol 9 :resjunk false})}}) ' +
      ':targetList ({TARGETENTRY :expr {VAR :varno 1} :resno 1 :resname id :ressortgroupref 0 :resorigtbl 16400 :resorigcol 1 :resjunk false} ' +
      '{TARGETENTRY :expr {OPEXPR :opno 1} :resno 2 :resname odd\\ name :ressortgroupref 0 :resorigtbl 0 :resorigcol 0 :resjunk false}) :override 0})';
    assert.deepEqual(targetList(action), [
      ['id', 16400, 1],
      ['odd name', 0, 0],
    ]);
  });
});
