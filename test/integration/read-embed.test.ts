// Resource embedding over HTTP against test/fixtures/50_embed.sql: many-to-one, one-to-many,
// many-to-many, one-to-one, composite keys, partitioned tables, aliases, nesting, embedded
// filters/order/limit, !inner and rel=is.null, counts, and the PGRST200/201/108 errors.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('read: resource embedding', () => {
  const gateway = suiteGateway();

  const json = async (path: string, headers: Record<string, string> = {}): Promise<unknown> => {
    const r = await request(gateway(), 'GET', path, { headers });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.json();
  };

  test('many-to-one embeds an object or null', async () => {
    assert.deepEqual(await json('/emb_films?select=title,emb_directors(name)&order=id'), [
      { title: 'Rashomon', emb_directors: { name: 'Kurosawa' } },
      { title: 'Seven Samurai', emb_directors: { name: 'Kurosawa' } },
      { title: 'Cleo', emb_directors: { name: 'Varda' } },
      { title: 'Orphan', emb_directors: null },
    ]);
  });

  test('one-to-many embeds an array, empty when nothing matches', async () => {
    assert.deepEqual(await json('/emb_directors?select=name,emb_films(title)&order=id&emb_films.order=id.desc'), [
      { name: 'Kurosawa', emb_films: [{ title: 'Seven Samurai' }, { title: 'Rashomon' }] },
      { name: 'Varda', emb_films: [{ title: 'Cleo' }] },
      { name: 'Nobody', emb_films: [] },
    ]);
  });

  test('aliases, star and nesting to several levels', async () => {
    assert.deepEqual(await json('/emb_directors?select=name,works:emb_films(title,cast:emb_actors(name))&id=eq.2'), [
      { name: 'Varda', works: [{ title: 'Cleo', cast: [{ name: 'Marchand' }] }] },
    ]);
    assert.deepEqual(await json('/emb_films?select=*,emb_directors(*)&id=eq.3'), [
      { id: 3, title: 'Cleo', year: 1962, director_id: 2, emb_directors: { id: 2, name: 'Varda' } },
    ]);
    assert.deepEqual(await json('/emb_actors?select=name,emb_films(title,emb_directors(name,emb_films(id)))&id=eq.3'), [
      { name: 'Marchand', emb_films: [{ title: 'Cleo', emb_directors: { name: 'Varda', emb_films: [{ id: 3 }] } }] },
    ]);
  });

  test('an FK column or constraint name embeds the to-one side', async () => {
    assert.deepEqual(await json('/emb_films?select=title,director_id(name)&id=eq.1'), [{ title: 'Rashomon', director_id: { name: 'Kurosawa' } }]);
    assert.deepEqual(await json('/emb_orders?select=id,billing:emb_orders_billing_fk(city)&id=eq.1'), [{ id: 1, billing: { city: 'Tokyo' } }]);
  });

  test('many-to-many through the junction, and the junction itself', async () => {
    assert.deepEqual(await json('/emb_films?select=title,emb_actors(name)&id=eq.1&emb_actors.order=name'), [
      { title: 'Rashomon', emb_actors: [{ name: 'Mifune' }, { name: 'Shimura' }] },
    ]);
    assert.deepEqual(await json('/emb_films?select=title,emb_roles(character)&id=eq.2&emb_roles.order=character'), [
      { title: 'Seven Samurai', emb_roles: [{ character: 'Kambei' }, { character: 'Kikuchiyo' }] },
    ]);
  });

  test('one-to-one (FK that is the PK) is an object both ways', async () => {
    assert.deepEqual(await json('/emb_films?select=id,emb_technical_specs(runtime)&id=in.(1,4)&order=id'), [
      { id: 1, emb_technical_specs: { runtime: 88 } },
      { id: 4, emb_technical_specs: null },
    ]);
    assert.deepEqual(await json('/emb_technical_specs?select=runtime,emb_films(title)&film_id=eq.2'), [{ runtime: 207, emb_films: { title: 'Seven Samurai' } }]);
  });

  test('composite foreign keys and partitioned tables', async () => {
    assert.deepEqual(await json('/emb_nominations?select=id,emb_competitions(name,year)&order=id'), [
      { id: 1, emb_competitions: { name: 'Venice', year: 1951 } },
      { id: 2, emb_competitions: { name: 'Cannes', year: 1962 } },
    ]);
    assert.deepEqual(await json('/emb_films?select=id,emb_box_office(gross)&id=in.(1,2)&order=id&emb_box_office.order=gross.desc'), [
      { id: 1, emb_box_office: [{ gross: 150 }, { gross: 100 }] },
      { id: 2, emb_box_office: [] },
    ]);
  });

  test('hints disambiguate; ambiguity is PGRST201 with the candidates', async () => {
    assert.deepEqual(await json('/emb_orders?select=id,billing:emb_addresses!emb_orders_billing_fk(city),shipping:emb_addresses!shipping_address_id(city)&id=eq.1'), [
      { id: 1, billing: { city: 'Tokyo' }, shipping: { city: 'Paris' } },
    ]);
    const r = await request(gateway(), 'GET', '/emb_orders?select=*,emb_addresses(*)');
    assert.equal(r.status, 300);
    assert.deepEqual(r.json(), {
      code: 'PGRST201',
      details: [
        { cardinality: 'many-to-one', embedding: 'emb_orders with emb_addresses', relationship: 'emb_orders_billing_fk using emb_orders(billing_address_id) and emb_addresses(id)' },
        { cardinality: 'many-to-one', embedding: 'emb_orders with emb_addresses', relationship: 'emb_orders_shipping_fk using emb_orders(shipping_address_id) and emb_addresses(id)' },
      ],
      hint: "Try changing 'emb_addresses' to one of the following: 'emb_addresses!emb_orders_billing_fk', 'emb_addresses!emb_orders_shipping_fk'. Find the desired relationship in the 'details' key.",
      message: "Could not embed because more than one relationship was found for 'emb_orders' and 'emb_addresses'",
    });
  });

  test('no relationship is PGRST200 with a suggestion', async () => {
    const r = await request(gateway(), 'GET', '/emb_films?select=*,emb_director(*)');
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), {
      code: 'PGRST200',
      details: "Searched for a foreign key relationship between 'emb_films' and 'emb_director' in the schema 'api', but no matches were found.",
      hint: "Perhaps you meant 'emb_directors' instead of 'emb_director'.",
      message: "Could not find a relationship between 'emb_films' and 'emb_director' in the schema cache",
    });
    const h = await request(gateway(), 'GET', '/emb_films?select=*,emb_directors!nope(*)');
    assert.equal(h.status, 400);
    assert.equal((h.json() as { details: string }).details, "Searched for a foreign key relationship between 'emb_films' and 'emb_directors' using the hint 'nope' in the schema 'api', but no matches were found.");
  });

  test('embedded filters, or, limit and offset', async () => {
    assert.deepEqual(await json('/emb_directors?select=name,emb_films(title)&id=eq.1&emb_films.year=gt.1952'), [
      { name: 'Kurosawa', emb_films: [{ title: 'Seven Samurai' }] },
    ]);
    assert.deepEqual(await json('/emb_directors?select=name,emb_films(title)&id=eq.1&emb_films.or=(year.eq.1950,title.eq.Cleo)'), [
      { name: 'Kurosawa', emb_films: [{ title: 'Rashomon' }] },
    ]);
    assert.deepEqual(await json('/emb_directors?select=name,emb_films(title)&id=eq.1&emb_films.order=id&emb_films.limit=1&emb_films.offset=1'), [
      { name: 'Kurosawa', emb_films: [{ title: 'Seven Samurai' }] },
    ]);
    assert.deepEqual(await json('/emb_directors?select=id,w:emb_films(id,emb_actors(id))&id=eq.1&w.order=id&w.emb_actors.id=eq.2&w.emb_actors.order=id'), [
      { id: 1, w: [{ id: 1, emb_actors: [{ id: 2 }] }, { id: 2, emb_actors: [{ id: 2 }] }] },
    ]);
  });

  test('!inner, rel=is.null, empty embeds, and counts honour them', async () => {
    assert.deepEqual(await json('/emb_directors?select=name,emb_films!inner(title)&emb_films.year=eq.1962'), [{ name: 'Varda', emb_films: [{ title: 'Cleo' }] }]);
    assert.deepEqual(await json('/emb_films?select=id,emb_directors!inner()&emb_directors.name=eq.Kurosawa&order=id'), [{ id: 1 }, { id: 2 }]);
    assert.deepEqual(await json('/emb_films?select=id,emb_directors()&emb_directors=is.null'), [{ id: 4 }]);
    assert.deepEqual(await json('/emb_directors?select=id,emb_films()&emb_films=not.is.null&order=id'), [{ id: 1 }, { id: 2 }]);
    const r = await request(gateway(), 'GET', '/emb_directors?select=name,emb_films!inner(title)&emb_films.year=eq.1962', { headers: { prefer: 'count=exact' } });
    assert.equal(r.headers.get('content-range'), '0-0/1');
  });

  test('filters on resources not embedded are PGRST108; bad embed syntax is PGRST100', async () => {
    const r = await request(gateway(), 'GET', '/emb_films?select=id&emb_directors.name=eq.x');
    assert.equal(r.status, 400);
    assert.equal((r.json() as { code: string }).code, 'PGRST108');
    for (const q of ['select=id,emb_directors(name', 'select=id,emb_directors!a!b(name)', 'select=id,:emb_directors(name)']) {
      const bad = await request(gateway(), 'GET', '/emb_films?' + q);
      assert.equal(bad.status, 400, q);
      assert.equal((bad.json() as { code: string }).code, 'PGRST100', q);
    }
  });

  test('order by a to-one embed column; PGRST118 when not to-one', async () => {
    assert.deepEqual(await json('/emb_films?select=id,emb_directors(name)&order=emb_directors(name).desc.nullslast,id'), [
      { id: 3, emb_directors: { name: 'Varda' } },
      { id: 1, emb_directors: { name: 'Kurosawa' } },
      { id: 2, emb_directors: { name: 'Kurosawa' } },
      { id: 4, emb_directors: null },
    ]);
    const r = await request(gateway(), 'GET', '/emb_directors?select=id,emb_films(id)&order=emb_films(id)');
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), {
      code: 'PGRST118',
      details: "'emb_directors' and 'emb_films' do not form a many-to-one or one-to-one relationship",
      hint: null,
      message: "A related order on 'emb_films' is not possible",
    });
  });

  test('spread of a to-one embed lifts its columns', async () => {
    assert.deepEqual(await json('/emb_films?select=title,...emb_directors(director:name)&id=in.(3,4)&order=id'), [
      { title: 'Cleo', director: 'Varda' },
      { title: 'Orphan', director: null },
    ]);
    assert.deepEqual(await json('/emb_films?select=title,...emb_directors!inner(director:name)&order=id&limit=1'), [{ title: 'Rashomon', director: 'Kurosawa' }]);
  });

  test('relationships reach views and chains of views', async () => {
    assert.deepEqual(await json('/emb_films_view?select=title,emb_directors(name)&id=eq.3'), [{ title: 'Cleo', emb_directors: { name: 'Varda' } }]);
    assert.deepEqual(await json('/emb_films_view2?select=film,emb_directors(name),emb_actors(name)&film=eq.3'), [
      { film: 3, emb_directors: { name: 'Varda' }, emb_actors: [{ name: 'Marchand' }] },
    ]);
    assert.deepEqual(await json('/emb_directors?select=name,emb_films_view2(film)&id=eq.2'), [{ name: 'Varda', emb_films_view2: [{ film: 3 }] }]);
  });
});
