// url-use-legacy-target-names (v16): an aliased embed named by its table in an embedded filter,
// order or limit works with a deprecation Warning by default, and is PGRST108 when switched off.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

const url =
  '/emb_directors?select=name,works:emb_films(title)&id=eq.1&emb_films.year=lt.1952&emb_films.order=year.desc&emb_films.limit=5';

describe('url-use-legacy-target-names = true (the default)', () => {
  const gateway = suiteGateway();

  test('the table name of an aliased embed filters, orders and limits it, with a Warning', async () => {
    const r = await request(gateway(), 'GET', url);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ name: 'Kurosawa', works: [{ title: 'Rashomon' }] }]);
    assert.equal(
      r.headers.get('warning'),
      '299 PostgRESTv16 "Embedded resource was referenced by relation name even though it has an alias. This is deprecated and will stop working in a future release. Update `emb_films` to `works` in query string filters, orders or limits."',
    );
  });

  test('the alias itself needs no Warning', async () => {
    const r = await request(gateway(), 'GET', '/emb_directors?select=name,works:emb_films(title)&id=eq.1&works.year=lt.1952');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ name: 'Kurosawa', works: [{ title: 'Rashomon' }] }]);
    assert.equal(r.headers.get('warning'), null);
  });

  test('a table embedded under two aliases is ambiguous by name: PGRST108', async () => {
    const r = await request(gateway(), 'GET', '/emb_directors?select=name,a:emb_films(title),b:emb_films(year)&emb_films.year=lt.1952');
    assert.equal(r.status, 400, r.text);
    assert.equal((r.json() as { code: string }).code, 'PGRST108');
  });
});

describe('url-use-legacy-target-names = false', () => {
  const gateway = suiteGateway({ PGRST_URL_USE_LEGACY_TARGET_NAMES: 'false' });

  test('the table name of an aliased embed is not an embedded resource: PGRST108 naming the alias, as PostgREST', async () => {
    const r = await request(gateway(), 'GET', url);
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.json(), {
      code: 'PGRST108',
      message: "'emb_films' is not an embedded resource in this request",
      details: 'Target names are not allowed in filters if they have an alias',
      hint: "Change 'emb_films' to 'works' in filters, orders or limits.",
    });
  });

  test('an embed that is not selected keeps the plain PGRST108 hint', async () => {
    const r = await request(gateway(), 'GET', '/emb_directors?select=name&emb_films.year=lt.1952');
    assert.equal(r.status, 400, r.text);
    assert.equal((r.json() as { hint: string }).hint, "Verify that 'emb_films' is included in the 'select' query parameter.");
  });

  test('a name that is no embed at all keeps the plain PGRST108 hint', async () => {
    const r = await request(gateway(), 'GET', '/emb_directors?select=name,works:emb_films(title)&nothing.year=lt.1952');
    assert.equal(r.status, 400, r.text);
    assert.equal((r.json() as { hint: string }).hint, "Verify that 'nothing' is included in the 'select' query parameter.");
  });
});
