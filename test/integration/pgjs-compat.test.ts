// What existing PostgREST clients (supabase's postgrest-js suite) see in error bodies that
// name embed aliases, against test/fixtures/96_pgjs.sql: a missing column of an embedded
// table is `<table>_<depth>.col`, and two embeds under one key are PostgreSQL's 42712; and
// the identity values a missing=default insert hands out.

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

  test('missing=default evaluates each default once per element, as PostgREST: the same identity values', async () => {
    const r = await request(gateway(), 'POST', '/pgjs_channels?columns=id,slug,kind&select=id,slug,kind', {
      headers: { 'content-type': 'application/json', Prefer: 'missing=default, return=representation' },
      body: JSON.stringify([{ id: 100 }, { slug: 'a', kind: null }, { slug: 'b' }]),
    });
    assert.equal(r.status, 201, r.text);
    // The element with an id still draws a value (1), so the next ones get 2 and 3; an explicit
    // null stays null, an absent key takes the default.
    assert.deepEqual(r.json(), [
      { id: 100, slug: null, kind: 'plain' },
      { id: 2, slug: 'a', kind: null },
      { id: 3, slug: 'b', kind: 'plain' },
    ]);
  });
});
