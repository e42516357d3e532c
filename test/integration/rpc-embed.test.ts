// Embedding on function results against test/fixtures/55_embed_more.sql: SETOF a table and a
// single table row embed like the table, with embedded filters, !inner (and its count),
// spread and related order, computed relationships; PGRST200 where the result has none.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('rpc: embedding on results', () => {
  const gw = suiteGateway();

  const get = async (path: string, headers: Record<string, string> = {}): Promise<{ body: unknown; range: string | null }> => {
    const r = await request(gw(), 'GET', path, { headers });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return { body: r.json(), range: r.headers.get('content-range') };
  };

  test('SETOF a table embeds to-one and to-many, with embedded order', async () => {
    const { body } = await get('/rpc/emb_get_films?select=title,emb_directors(name),emb_actors(name)&id=lt.3&order=id&emb_actors.order=name.desc');
    assert.deepEqual(body, [
      { title: 'Rashomon', emb_directors: { name: 'Kurosawa' }, emb_actors: [{ name: 'Shimura' }, { name: 'Mifune' }] },
      { title: 'Seven Samurai', emb_directors: { name: 'Kurosawa' }, emb_actors: [{ name: 'Shimura' }, { name: 'Mifune' }] },
    ]);
  });

  test('!inner with an embedded filter narrows the rows and the exact count', async () => {
    const { body, range } = await get('/rpc/emb_get_films?select=title,emb_directors!inner(name)&emb_directors.name=eq.Varda', { Prefer: 'count=exact' });
    assert.deepEqual(body, [{ title: 'Cleo', emb_directors: { name: 'Varda' } }]);
    assert.equal(range, '0-0/1');
  });

  test('rel=is.null, spread and order by a to-one embed', async () => {
    assert.deepEqual((await get('/rpc/emb_get_films?select=title,emb_directors()&emb_directors=is.null')).body, [{ title: 'Orphan' }]);
    assert.deepEqual((await get('/rpc/emb_get_films?select=title,...emb_directors(director:name)&order=emb_directors(name).desc,id&director_id=not.is.null')).body, [
      { title: 'Cleo', director: 'Varda' },
      { title: 'Rashomon', director: 'Kurosawa' },
      { title: 'Seven Samurai', director: 'Kurosawa' },
    ]);
  });

  test('computed relationships and to-many spreads apply to the result rows', async () => {
    const { body } = await get('/rpc/emb_get_films?select=title,maker(name),...cast_list(actor:name)&id=eq.1&cast_list.order=name');
    assert.deepEqual(body, [{ title: 'Rashomon', maker: { name: 'Kurosawa' }, actor: ['Mifune', 'Shimura'] }]);
  });

  test('a single table row embeds and stays an object', async () => {
    assert.deepEqual((await get('/rpc/emb_film_by_id?fid=3&select=title,emb_directors(name)')).body, { title: 'Cleo', emb_directors: { name: 'Varda' } });
  });

  test('POST to a volatile function embeds on the rows it returns', async () => {
    const r = await request(gw(), 'POST', '/rpc/emb_new_review?select=id,emb_films(title)', {
      headers: { 'Content-Type': 'application/json' },
      body: '{"rid":60,"fid":2}',
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 60, emb_films: { title: 'Seven Samurai' } }]);
  });

  test('a result without relationships is PGRST200', async () => {
    const r = await request(gw(), 'GET', '/rpc/rpc_table?select=id,emb_films(title)');
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, 'PGRST200');
  });
});
