// Computed relationships, to-many spreads and materialized views over HTTP (50/55 fixtures):
// to-one (ROWS 1), to-many, nested, !inner with embedded filters, an override of an FK
// relationship, functions that are not relationships (PGRST200), spread columns as arrays.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

describe('read: computed relationships, to-many spreads, materialized views', () => {
  const gw = suiteGateway();

  const json = async (path: string, headers: Record<string, string> = {}): Promise<unknown> => {
    const r = await request(gw(), 'GET', path, { headers });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.json();
  };

  test('ROWS 1 is to-one, SETOF is to-many', async () => {
    assert.deepEqual(await json('/emb_films?select=title,maker(name),cast_list(name)&id=in.(1,4)&order=id&cast_list.order=name.desc'), [
      { title: 'Rashomon', maker: { name: 'Kurosawa' }, cast_list: [{ name: 'Shimura' }, { name: 'Mifune' }] },
      { title: 'Orphan', maker: null, cast_list: [] },
    ]);
  });

  test('nested, aliased, !inner with an embedded filter, related order and spread', async () => {
    assert.deepEqual(await json('/emb_studios?select=name,films:studio_films(title,maker(name))&id=eq.2'), [
      { name: 'Tamaris', films: [{ title: 'Cleo', maker: { name: 'Varda' } }] },
    ]);
    const r = await request(gw(), 'GET', '/emb_films?select=title,maker!inner(name)&maker.name=eq.Kurosawa&order=id', { headers: { Prefer: 'count=exact' } });
    assert.deepEqual(r.json(), [
      { title: 'Rashomon', maker: { name: 'Kurosawa' } },
      { title: 'Seven Samurai', maker: { name: 'Kurosawa' } },
    ]);
    assert.equal(r.headers.get('content-range'), '0-1/2');
    assert.deepEqual(await json('/emb_films?select=title,...maker(who:name)&director_id=not.is.null&order=maker(name).desc,id'), [
      { title: 'Cleo', who: 'Varda' },
      { title: 'Rashomon', who: 'Kurosawa' },
      { title: 'Seven Samurai', who: 'Kurosawa' },
    ]);
  });

  test('a computed relationship overrides the FK relationship of the same name', async () => {
    await sqlQuery('insert into api.emb_reviews values (70, 3, 1, 2)');
    try {
      // Through the FK the studio would be Toho (studio_id 1); the function gives the director's.
      assert.deepEqual(await json('/emb_reviews?select=id,emb_studios(name)&id=eq.70'), [{ id: 70, emb_studios: { name: 'Tamaris' } }]);
      // The overridden FK relationship is gone, by its column too (PostgREST replaces every
      // detected relationship to a relation named like the function).
      const byColumn = await request(gw(), 'GET', '/emb_reviews?select=id,studio_id(name)&id=eq.70');
      assert.equal(byColumn.status, 400);
      assert.equal((byColumn.json() as { code: string }).code, 'PGRST200');
    } finally {
      await sqlQuery('delete from api.emb_reviews where id = 70');
    }
  });

  test('scalar results and two-argument functions are not relationships', async () => {
    for (const name of ['film_label', 'two_args']) {
      const r = await request(gw(), 'GET', `/emb_films?select=title,${name}(*)`);
      assert.equal(r.status, 400, name);
      assert.equal((r.json() as { code: string }).code, 'PGRST200');
    }
  });

  test('a materialized view embeds through the keys of its source table', async () => {
    assert.deepEqual(await json('/emb_films_mat?select=title,emb_directors(name)&id=eq.1'), [{ title: 'Rashomon', emb_directors: { name: 'Kurosawa' } }]);
    assert.deepEqual(await json('/emb_directors?select=name,emb_films_mat(title)&id=eq.2'), [{ name: 'Varda', emb_films_mat: [{ title: 'Cleo' }] }]);
  });

  test('a to-many spread lifts each column as an array, in the embed order', async () => {
    assert.deepEqual(await json('/emb_directors?select=name,...emb_films(title,year)&order=id&emb_films.order=id.desc'), [
      { name: 'Kurosawa', title: ['Seven Samurai', 'Rashomon'], year: [1954, 1950] },
      { name: 'Varda', title: ['Cleo'], year: [1962] },
      { name: 'Nobody', title: [], year: [] },
    ]);
    // Many-to-many, aliased; !inner drops parents without related rows.
    assert.deepEqual(await json('/emb_films?select=title,...emb_actors!inner(actors:name)&order=id&emb_actors.order=name'), [
      { title: 'Rashomon', actors: ['Mifune', 'Shimura'] },
      { title: 'Seven Samurai', actors: ['Mifune', 'Shimura'] },
      { title: 'Cleo', actors: ['Marchand'] },
    ]);
    // Nested: a to-one spread inside a to-many spread adds its columns as arrays too.
    assert.deepEqual(await json('/emb_actors?select=name,...emb_films(title,...emb_directors(director:name))&id=eq.1&emb_films.order=id'), [
      { name: 'Mifune', title: ['Rashomon', 'Seven Samurai'], director: ['Kurosawa', 'Kurosawa'] },
    ]);
  });
});
