// What existing PostgREST clients (supabase's postgrest-js suite) see in error bodies that
// name embed aliases, against test/fixtures/96_pgjs.sql: a missing column of an embedded
// table is `<table>_<depth>.col`, and two embeds under one key are PostgreSQL's 42712.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('postgrest-js compatibility: embed aliases in errors', () => {
  const gateway = suiteGateway();

  const error = async (path: string): Promise<{ status: number; body: unknown }> => {
    const r = await request(gateway(), 'GET', path);
    return { status: r.status, body: r.json() };
  };

  test('a missing column of an embedded table names the table as <table>_<depth>', async () => {
    assert.deepEqual(await error('/pgjs_pairs?select=id,pgjs_notes(nope)'), {
      status: 400,
      body: { code: '42703', details: null, hint: null, message: 'column pgjs_notes_1.nope does not exist' },
    });
    const nested = await error('/pgjs_people?select=name,pgjs_pairs!first_person(pgjs_notes(nope))');
    assert.deepEqual(nested.body, { code: '42703', details: null, hint: null, message: 'column pgjs_notes_2.nope does not exist' });
    // The aliases still join correctly: the same names resolve at each depth.
    const ok = await request(gateway(), 'GET', '/pgjs_people?select=name,pgjs_pairs!first_person(id,pgjs_notes(body))&order=name');
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json(), [{ name: 'ann', pgjs_pairs: [{ id: 1, pgjs_notes: [{ body: 'hi' }] }] }, { name: 'bob', pgjs_pairs: [] }]);
  });

  test('two embeds under one key: 42712 as PostgREST, not a JSON object with the key twice', async () => {
    assert.deepEqual(await error('/pgjs_pairs?select=pgjs_people!first_person(*),pgjs_people!second_person(*)'), {
      status: 400,
      body: { code: '42712', details: null, hint: null, message: 'table name "pgjs_pairs_pgjs_people_1" specified more than once' },
    });
    const aliased = await request(gateway(), 'GET', '/pgjs_pairs?select=a:pgjs_people!first_person(name),b:pgjs_people!second_person(name)');
    assert.equal(aliased.status, 200, aliased.text);
    assert.deepEqual(aliased.json(), [{ a: { name: 'ann' }, b: { name: 'bob' } }]);
  });
});
