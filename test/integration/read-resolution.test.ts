// Embed target resolution as PostgREST's findRel (test/fixtures/65_reads.sql): FK columns and
// constraints named from either side, views skipped by column/constraint targets, the two
// directions of a self-reference, view columns exposing one base column twice, and the
// PGRST200/PGRST201 answers (candidates in PostgREST's order) for the requests that do not resolve.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('read: embed target resolution', () => {
  const gw = suiteGateway();

  const json = async (path: string): Promise<unknown> => {
    const r = await request(gw(), 'GET', path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.json();
  };
  const error = async (path: string, status: number): Promise<Record<string, unknown>> => {
    const r = await request(gw(), 'GET', path);
    assert.equal(r.status, status, `${path}: ${r.text}`);
    return r.json() as Record<string, unknown>;
  };

  test('the referenced side names the relationship by constraint or by its own key column', async () => {
    const capitals = [
      { name: 'France', c: [{ name: 'Paris' }] },
      { name: 'Japan', c: [{ name: 'Tokyo' }] },
      { name: 'Nowhere', c: [] },
    ];
    assert.deepEqual(await json('/rd_country?select=name,c:rd_capital_country_fk(name)&order=id'), capitals);
    assert.deepEqual(await json('/rd_country?select=name,c:id(name)&order=id'), capitals);
    // The referencing side's column is not a target from the referenced side.
    assert.equal((await error('/rd_country?select=name,country_id(name)', 400)).code, 'PGRST200');
  });

  test('a column or constraint target without a hint ignores views over the referenced table', async () => {
    assert.deepEqual(await json('/rd_projects?select=id,client_id(name)&order=id'), [
      { id: 1, client_id: { name: 'Acme' } },
      { id: 2, client_id: { name: 'Acme' } },
      { id: 3, client_id: { name: 'Globex' } },
      { id: 4, client_id: null },
    ]);
    assert.deepEqual(await json('/rd_projects?select=id,cl:rd_projects_client_fk(name)&id=eq.3'), [{ id: 3, cl: { name: 'Globex' } }]);
    // The view is still embedded by its name, with or without a hint.
    assert.deepEqual(await json('/rd_projects?select=id,rd_clients_v(name)&id=eq.1'), [{ id: 1, rd_clients_v: { name: 'Acme' } }]);
    assert.deepEqual(await json('/rd_projects?select=id,rd_clients_v!client_id(name)&id=eq.1'), [{ id: 1, rd_clients_v: { name: 'Acme' } }]);
    assert.deepEqual(await json('/rd_projects?select=id,rd_clients_v!rd_projects_client_fk(name)&id=eq.1'), [{ id: 1, rd_clients_v: { name: 'Acme' } }]);
  });

  test('a self-reference: the table name means the children, the FK column the parent', async () => {
    assert.deepEqual(await json('/rd_tree?select=id,parent(id,name)&id=in.(1,2)&order=id'), [
      { id: 1, parent: null },
      { id: 2, parent: { id: 1, name: 'root' } },
    ]);
    assert.deepEqual(await json('/rd_tree?select=id,rd_tree(id)&id=eq.1&rd_tree.order=id'), [{ id: 1, rd_tree: [{ id: 2 }, { id: 3 }] }]);
    // A hint names the referencing column; nesting both directions.
    assert.deepEqual(await json('/rd_tree?select=id,parent(id,kids:rd_tree!parent(id))&id=eq.4&parent.kids.order=id'), [
      { id: 4, parent: { id: 2, kids: [{ id: 4 }] } },
    ]);
    // Neither the constraint nor the referenced column names a self-relationship.
    assert.equal((await error('/rd_tree?select=id,rd_tree_parent_fk(id)', 400)).code, 'PGRST200');
    assert.equal((await error('/rd_tree?select=id,rd_tree!id(id)', 400)).code, 'PGRST200');
  });

  test('a view exposing one FK column twice has a relationship through each', async () => {
    assert.deepEqual(await json('/rd_tree_v?select=id,parent(id),grandparent(id)&order=id'), [
      { id: 2, parent: null, grandparent: null },
      { id: 3, parent: null, grandparent: null },
      { id: 4, parent: { id: 2 }, grandparent: null },
      { id: 5, parent: { id: 4 }, grandparent: { id: 2 } },
    ]);
  });

  test('ambiguous embeds list the candidates in PostgREST order; a wrong hint is PGRST200', async () => {
    const both = await error('/rd_person?select=id,rd_pet(id)', 300);
    assert.equal(both.code, 'PGRST201');
    assert.deepEqual(both.details, [
      { cardinality: 'one-to-many', embedding: 'rd_person with rd_pet', relationship: 'rd_pet_owner_fk using rd_person(id) and rd_pet(owner_id)' },
      { cardinality: 'many-to-one', embedding: 'rd_person with rd_pet', relationship: 'rd_person_best_pet_fk using rd_person(best_pet_id) and rd_pet(id)' },
    ]);
    assert.equal(both.hint, "Try changing 'rd_pet' to one of the following: 'rd_pet!rd_pet_owner_fk', 'rd_pet!rd_person_best_pet_fk'. Find the desired relationship in the 'details' key.");
    const two = await error('/rd_parcel?select=id,rd_addr(city)', 300);
    assert.deepEqual(
      (two.details as { relationship: string }[]).map((d) => d.relationship),
      ['rd_parcel_a_from_fk using rd_parcel(from_id) and rd_addr(id)', 'rd_parcel_z_to_fk using rd_parcel(to_id) and rd_addr(id)'],
    );
    assert.deepEqual(await json('/rd_parcel?select=id,to:rd_addr!to_id(city),from:rd_addr!rd_parcel_a_from_fk(city)'), [
      { id: 1, to: { city: 'Lyon' }, from: { city: 'Oslo' } },
    ]);
    const wrong = await error('/rd_parcel?select=id,rd_addr!nope(city)', 400);
    assert.equal(wrong.code, 'PGRST200');
    assert.equal(wrong.details, "Searched for a foreign key relationship between 'rd_parcel' and 'rd_addr' using the hint 'nope' in the schema 'api', but no matches were found.");
  });

  test('an identity column does not stop the schema cache from loading', async () => {
    assert.deepEqual(await json('/rd_ident?select=id,label'), [{ id: 1, label: 'first' }]);
  });
});
