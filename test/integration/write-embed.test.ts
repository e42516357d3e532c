// Embedding in write representations against test/fixtures/55_embed_more.sql: POST, PATCH,
// PUT and DELETE with Prefer: return=representation and select=…,rel(…) — to-one, to-many,
// nested, !inner with embedded filters (and the Content-Range it counts), headers-only, PGRST200.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

const rep = { 'Content-Type': 'application/json', Prefer: 'return=representation' };

describe('write: embedding in the representation', () => {
  const gw = suiteGateway();

  test('POST embeds to-one and nested to-many from the written rows', async () => {
    const r = await request(gw(), 'POST', '/emb_reviews?select=id,stars,emb_films(title,emb_directors(name),emb_actors(name))&emb_films.emb_actors.order=name', {
      headers: rep,
      body: '[{"id":10,"film_id":1,"stars":2},{"id":11,"film_id":4,"stars":1},{"id":12,"film_id":null,"stars":3}]',
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), [
      { id: 10, stars: 2, emb_films: { title: 'Rashomon', emb_directors: { name: 'Kurosawa' }, emb_actors: [{ name: 'Mifune' }, { name: 'Shimura' }] } },
      { id: 11, stars: 1, emb_films: { title: 'Orphan', emb_directors: null, emb_actors: [] } },
      { id: 12, stars: 3, emb_films: null },
    ]);
    await sqlQuery('delete from api.emb_reviews where id in (10, 11, 12)');
  });

  test('PATCH embeds to-many with embedded filters, order and limit', async () => {
    const r = await request(gw(), 'PATCH', '/emb_directors?id=eq.1&select=name,emb_films(title)&emb_films.year=gt.1951&emb_films.order=id', {
      headers: rep,
      body: '{"name":"Kurosawa"}',
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ name: 'Kurosawa', emb_films: [{ title: 'Seven Samurai' }] }]);
  });

  test('!inner drops written rows from the representation and from Content-Range', async () => {
    const r = await request(gw(), 'PATCH', '/emb_studios?select=name,emb_directors!inner(name)&emb_directors.name=eq.Varda', {
      headers: { ...rep, Prefer: 'return=representation, count=exact' },
      body: '{"name":"Renamed"}',
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ name: 'Renamed', emb_directors: { name: 'Varda' } }]);
    assert.equal(r.headers.get('content-range'), '0-0/1');
    // Every row was still written: the embed filter shapes the answer, not the write.
    const rows = await sqlQuery<{ n: string }>("select count(*)::text as n from api.emb_studios where name = 'Renamed'");
    await sqlQuery("update api.emb_studios set name = case id when 1 then 'Toho' when 2 then 'Tamaris' else 'Empty' end");
    assert.equal(rows[0]!.n, '3');
  });

  test('DELETE returns the deleted rows with their embeds', async () => {
    await sqlQuery('insert into api.emb_reviews values (20, 3, 1, 1)');
    const r = await request(gw(), 'DELETE', '/emb_reviews?id=eq.20&select=id,film:emb_films(title),emb_studios(name)', { headers: { Prefer: 'return=representation' } });
    assert.equal(r.status, 200, r.text);
    // emb_studios is the computed relationship that overrides the FK one (the director's studio).
    assert.deepEqual(r.json(), [{ id: 20, film: { title: 'Cleo' }, emb_studios: { name: 'Tamaris' } }]);
  });

  test('PUT upsert and vnd.pgrst.object with a spread embed', async () => {
    const r = await request(gw(), 'PUT', '/emb_reviews?id=eq.30&select=id,...emb_films(title)', {
      headers: { ...rep, Accept: 'application/vnd.pgrst.object+json' },
      body: '{"id":30,"film_id":2,"stars":5}',
    });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), { id: 30, title: 'Seven Samurai' });
    await sqlQuery('delete from api.emb_reviews where id = 30');
  });

  test('headers-only and minimal still answer without a body', async () => {
    const r = await request(gw(), 'POST', '/emb_reviews?select=id,emb_films(title)', {
      headers: { 'Content-Type': 'application/json', Prefer: 'return=headers-only' },
      body: '{"id":40,"film_id":1,"stars":4}',
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('location'), '/emb_reviews?id=eq.40');
    await sqlQuery('delete from api.emb_reviews where id = 40');
  });

  test('an unknown relationship is PGRST200 and nothing is written', async () => {
    const r = await request(gw(), 'POST', '/emb_reviews?select=id,nope(*)', { headers: rep, body: '{"id":50,"film_id":1,"stars":4}' });
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, 'PGRST200');
    const rows = await sqlQuery('select 1 from api.emb_reviews where id = 50');
    assert.equal(rows.length, 0);
  });
});
