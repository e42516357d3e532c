// Unit tests for the names PostgREST's embed aliases leak to clients: the embedded table's
// alias inside its subquery (`<table>_<depth>`, named by 42703 errors) with its fallbacks,
// and 42712 for two embeds of one level under one key.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeSchemaCache } from '../../../planner/schema/decode.js';
import { toApiRequest } from '../../../planner/request/request.js';
import { actionPlan } from '../../../planner/plan/plan.js';
import { mainStatement } from '../../../planner/sql/statements.js';
import type { ApiError } from '../../../planner/errors.js';
import type { Plan } from '../../../planner/plan/plan.js';
import { fkRow as fk, intTable as table } from './films-schema.js';

const long = 'l'.repeat(62);
const cache = decodeSchemaCache({
  tables: JSON.stringify([
    table('directors', ['id', 'name'], ['id']),
    table('films', ['id', 'title', 'director_id', 'co_director_id'], ['id']),
    table('pgrst_notes', ['id', 'film_id'], ['id']),
    table(long, ['id', 'film_id'], ['id']),
  ]),
  foreignKeys: JSON.stringify([
    fk('films_director_fk', 'films', ['director_id'], 'directors', ['id']),
    fk('films_co_director_fk', 'films', ['co_director_id'], 'directors', ['id']),
    fk('notes_film_fk', 'pgrst_notes', ['film_id'], 'films', ['id']),
    fk('long_film_fk', long, ['film_id'], 'films', ['id']),
  ]),
});

function plan(query: string): { ok: true; plan: Plan } | { ok: false; error: ApiError } {
  const req = toApiRequest({ method: 'GET', path: '/films', query, headers: {}, body: null }, { schemas: ['api'] });
  if (!req.ok) return { ok: false, error: req.error };
  const p = actionPlan(req.value, cache, { maxRows: null });
  return p.ok ? { ok: true, plan: p.value } : { ok: false, error: p.error };
}

function text(query: string): string {
  const p = plan(query);
  if (!p.ok) throw new Error(p.error.message);
  return mainStatement(p.plan).text;
}

describe('embed aliases', () => {
  test("the embedded table is aliased <table>_<depth>, as PostgREST's", () => {
    const t = text('select=title,d:directors!films_director_fk(name,films!films_director_fk(title))');
    assert.match(t, /FROM "api"\."directors" AS "directors_1"/);
    assert.match(t, /FROM "api"\."films" AS "films_2" WHERE "films_2"\."director_id" = "directors_1"\."id"/);
  });

  test('a name in the pgrst_ namespace or over 63 bytes keeps the positional alias', () => {
    assert.match(text('select=id,pgrst_notes(id)'), /FROM "api"\."pgrst_notes" AS "pgrst_1_t"/);
    assert.match(text(`select=id,${long}(id)`), new RegExp(`FROM "api"\\."${long}" AS "pgrst_1_t"`));
  });

  test('two embeds of one level under one key: 42712 with the alias PostgREST gives the join', () => {
    const p = plan('select=directors!films_director_fk(name),directors!films_co_director_fk(name)');
    assert.ok(!p.ok);
    assert.deepEqual([p.error.status, p.error.code, p.error.message, p.error.details, p.error.hint], [400, '42712', 'table name "films_directors_1" specified more than once', null, null]);
    const nested = plan('select=id,pgrst_notes(films(directors!films_director_fk(id),directors!films_co_director_fk(id)))');
    assert.ok(!nested.ok);
    assert.equal(nested.error.message, 'table name "films_directors_3" specified more than once');
  });

  test('aliases or other levels make the keys distinct', () => {
    assert.ok(plan('select=a:directors!films_director_fk(name),b:directors!films_co_director_fk(name)').ok);
    assert.ok(plan('select=directors!films_director_fk(name),pgrst_notes(films(directors!films_director_fk(id)))').ok);
  });
});
