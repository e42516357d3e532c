// Issue 16 leftovers (test/fixtures/69_reads3.sql): field names as PostgREST's grammar reads
// them wherever a name is parsed (a character no unquoted name has is PGRST100 where the
// grammar needs more, ignored where it stops: filter keys, columns, on_conflict); FKs carried
// through views of db-extra-search-path schemas; `?columns=` bodies whose other keys are never
// read (JSON, CSV, PATCH, upsert).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway, type Reply } from '../helpers/gateway.js';

const enc = encodeURIComponent;

describe('read: field names as PostgREST reads them', () => {
  const gw = suiteGateway();
  const get = (path: string): Promise<Reply> => request(gw(), 'GET', path);
  const parseError = async (path: string, message: RegExp): Promise<void> => {
    const r = await get(path);
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    const body = r.json() as { code: string; message: string; details: string };
    assert.equal(body.code, 'PGRST100', r.text);
    assert.match(body.message, message);
  };

  test('names PostgREST accepts: Unicode letters, $, spaces, dashes, quoted quotes', async () => {
    const r = await get(`/rd3_names?select=${enc('id,café,$x,my col,a-b,"a\'b",c:café')}&order=${enc('café.desc')}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [
      { id: 2, café: 'thé', $x: 200, 'my col': 20, 'a-b': 8, "a'b": 'again', c: 'thé' },
      { id: 1, café: 'crème', $x: 100, 'my col': 10, 'a-b': 7, "a'b": 'quoted', c: 'crème' },
    ]);
    const f = await get(`/rd3_names?select=id&${enc('"a\'b"')}=eq.quoted&${enc('my col')}=gt.5&${enc('$x')}=lt.150`);
    assert.equal(f.status, 200, f.text);
    assert.deepEqual(f.json(), [{ id: 1 }]);
  });

  test("select, order and logic trees: a character no unquoted name has is PGRST100, never PostgreSQL's 42703", async () => {
    await parseError(`/rd3_names?select=${enc("a'b")}`, /^"failed to parse select parameter \(a'b\)" \(line 1, column 2\)$/);
    await parseError(`/rd3_names?select=${enc('id;x')}`, /column 3/);
    await parseError(`/rd3_names?select=${enc("x'y:id")}`, /column 2/);
    await parseError(`/rd3_names?select=${enc("id,rd3_names(i'd)")}`, /select parameter/);
    await parseError(`/rd3_names?order=${enc("a'b")}`, /^"failed to parse order \(a'b\)" \(line 1, column 2\)$/);
    await parseError(`/rd3_names?or=${enc("(a'b.eq.1,id.eq.1)")}`, /logic tree/);
    await parseError(`/rd3_names?${enc("'id")}=eq.1`, /^"failed to parse tree path \('id\)" \(line 1, column 1\)$/);
    const r = await get(`/rd3_names?select=${enc("a'b")}`);
    assert.equal((r.json() as { details: string }).details, `unexpected '\\'' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input`);
  });

  test('a filter key reads up to where its name ends, as PostgREST (the rest is ignored)', async () => {
    const r = await get(`/rd3_names?select=id&${enc("id'")}=eq.2`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [{ id: 2 }]);
  });

  test('order by a to-one embed, a JSON path inside it too', async () => {
    const r = await get(`/rd3_pets_direct?select=name,rd3_owners_direct(name)&order=${enc('rd3_owners_direct(name).desc,id')}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((r.json() as { name: string }[]).map((p) => p.name), ['Tom', 'Rex', 'Kit']);
    const bad = await get(`/rd3_pets_direct?select=name,rd3_owners_direct(name)&order=${enc('rd3_owners_direct(name,id)')}`);
    assert.equal(bad.status, 400, bad.text);
    assert.equal((bad.json() as { code: string }).code, 'PGRST100');
  });

  test('columns and on_conflict stop where a name ends; a missing name is PGRST100', async () => {
    const post = (query: string, body: unknown, prefer = 'return=representation'): Promise<Reply> =>
      request(gw(), 'POST', `/rd3_names?${query}`, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Prefer: prefer } });
    try {
      const r = await post(`columns=${enc("id,café'")}&select=id,café,$x`, { id: 3, café: 'noir', $x: 5 });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json(), [{ id: 3, café: 'noir', $x: null }]);
      const up = await post(`on_conflict=${enc("id'")}&select=id,café`, { id: 3, café: 'lait' }, 'return=representation,resolution=merge-duplicates');
      assert.equal(up.status, 200, up.text);
      assert.deepEqual(up.json(), [{ id: 3, café: 'lait' }]);
      const bad = await post(`columns=${enc("id,'x")}`, { id: 4 });
      assert.equal(bad.status, 400, bad.text);
      assert.deepEqual(bad.json(), {
        code: 'PGRST100',
        message: `"failed to parse columns parameter (id,'x)" (line 1, column 4)`,
        details: `unexpected "'" expecting field name (* or [a..z0..9_$])`,
        hint: null,
      });
      const empty = await post('on_conflict=', { id: 4 }, 'resolution=merge-duplicates');
      assert.equal(empty.status, 400, empty.text);
      assert.equal((empty.json() as { message: string }).message, '"failed to parse on_conflict parameter ()" (line 1, column 1)');
    } finally {
      await sqlQuery('DELETE FROM api.rd3_names WHERE id > 2');
    }
  });
});

describe('read: FKs through views of db-extra-search-path schemas', () => {
  const extra = suiteGateway({ PGRST_DB_EXTRA_SEARCH_PATH: 'public,rd3extra' });
  const plain = suiteGateway();

  test('an exposed view over a view of an extra-search-path schema keeps the base FK', async () => {
    const r = await request(extra(), 'GET', '/rd3_pets?select=name,rd3_owners(name)&order=id');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [
      { name: 'Rex', rd3_owners: { name: 'Ann' } },
      { name: 'Tom', rd3_owners: { name: 'Bob' } },
      { name: 'Kit', rd3_owners: { name: 'Ann' } },
    ]);
    const back = await request(extra(), 'GET', '/rd3_owners?select=name,rd3_pets(name)&order=id&rd3_pets.order=id');
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(back.json(), [
      { name: 'Ann', rd3_pets: [{ name: 'Rex' }, { name: 'Kit' }] },
      { name: 'Bob', rd3_pets: [{ name: 'Tom' }] },
    ]);
  });

  test('without the schema on the extra search path its views are not read: no relationship (PGRST200)', async () => {
    const r = await request(plain(), 'GET', '/rd3_pets?select=name,rd3_owners(name)');
    assert.equal(r.status, 400, r.text);
    assert.equal((r.json() as { code: string }).code, 'PGRST200');
  });

  test('views straight over private tables have the FK either way; a mixed pair too with the extra path', async () => {
    for (const gw of [plain, extra]) {
      const r = await request(gw(), 'GET', '/rd3_pets_direct?select=name,rd3_owners_direct(name)&id=eq.3');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), [{ name: 'Kit', rd3_owners_direct: { name: 'Ann' } }]);
    }
    const mixed = await request(extra(), 'GET', '/rd3_pets?select=name,rd3_owners_direct(name)&id=eq.1');
    assert.equal(mixed.status, 200, mixed.text);
    assert.deepEqual(mixed.json(), [{ name: 'Rex', rd3_owners_direct: { name: 'Ann' } }]);
  });
});

describe('write: ?columns= reads only the listed keys of the body', () => {
  const gw = suiteGateway();
  const send = (method: string, query: string, body: string, contentType = 'application/json', prefer = 'return=representation'): Promise<Reply> =>
    request(gw(), method, `/rd3_items?${query}`, { body, headers: { 'Content-Type': contentType, Prefer: prefer } });
  const cleanup = (): Promise<unknown> => sqlQuery("DELETE FROM api.rd3_items WHERE id > 1; UPDATE api.rd3_items SET name = 'seed', qty = 5 WHERE id = 1");
  const junk = { qty: 'lots', made: 'someday', ok: 'maybe', tiny: 99, nope: [1] };

  test('JSON: keys outside the list are ignored, whatever their values; listed ones are typed as usual', async () => {
    try {
      const one = await send('POST', 'columns=id,name', JSON.stringify({ id: 2, name: 'two', ...junk }));
      assert.equal(one.status, 201, one.text);
      // Unlisted columns take their defaults, not the body's values.
      assert.deepEqual(one.json(), [{ id: 2, name: 'two', qty: 1, made: '2020-01-01', ok: null, tiny: null }]);
      const many = await send('POST', 'columns=id,qty&select=id,qty,name', JSON.stringify([{ ...junk, id: 3, qty: 7, name: 5 }, { id: 4, made: 'x' }]));
      assert.equal(many.status, 201, many.text);
      assert.deepEqual(many.json(), [{ id: 3, qty: 7, name: null }, { id: 4, qty: null, name: null }]);
      // A listed key is read by its column's type: a wrong value still fails (22P02 → 400).
      const wrong = await send('POST', 'columns=id,qty', JSON.stringify({ id: 5, qty: 'lots' }));
      assert.equal(wrong.status, 400, wrong.text);
      assert.equal((wrong.json() as { code: string }).code, '22P02');
      // An element that is no object is still refused by PostgreSQL.
      const scalar = await send('POST', 'columns=id,name', '[1]');
      assert.equal(scalar.status, 400, scalar.text);
      const unknown = await send('POST', 'columns=id,nope', JSON.stringify({ id: 6 }));
      assert.equal(unknown.status, 400, unknown.text);
      assert.equal((unknown.json() as { code: string }).code, 'PGRST204');
    } finally {
      await cleanup();
    }
  });

  test('CSV: columns outside the list are ignored; missing=default and upserts too', async () => {
    try {
      const csv = 'id,name,qty,made,ok,tiny\n7,seven,lots,someday,maybe,99\n8,eight,,,,';
      const r = await send('POST', 'columns=id,name&select=id,name,qty,made', csv, 'text/csv');
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json(), [{ id: 7, name: 'seven', qty: 1, made: '2020-01-01' }, { id: 8, name: 'eight', qty: 1, made: '2020-01-01' }]);
      const d = await send('POST', 'columns=id,qty&select=id,qty', JSON.stringify([{ ...junk, id: 9, qty: undefined }]), 'application/json', 'return=representation,missing=default');
      assert.equal(d.status, 201, d.text);
      assert.deepEqual(d.json(), [{ id: 9, qty: 1 }]);
      const up = await send('POST', 'columns=id,name&on_conflict=id&select=id,name,qty', JSON.stringify([{ id: 1, name: 'merged', ...junk }]), 'application/json', 'return=representation,resolution=merge-duplicates');
      assert.equal(up.status, 200, up.text);
      assert.deepEqual(up.json(), [{ id: 1, name: 'merged', qty: 5 }]);
    } finally {
      await cleanup();
    }
  });

  test('PATCH: only listed keys are set; the others are never read', async () => {
    try {
      const r = await send('PATCH', 'id=eq.1&columns=name&select=id,name,qty', JSON.stringify({ name: 'patched', ...junk }));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), [{ id: 1, name: 'patched', qty: 5 }]);
      const csv = await send('PATCH', 'id=eq.1&columns=qty&select=id,name,qty', 'qty,made,tiny\n6,never,99', 'text/csv');
      assert.equal(csv.status, 200, csv.text);
      assert.deepEqual(csv.json(), [{ id: 1, name: 'patched', qty: 6 }]);
    } finally {
      await cleanup();
    }
  });
});

describe('write: missing=default evaluates each written default once per element, as PostgREST', () => {
  const gw = suiteGateway();
  const post = (table: string, body: unknown): Promise<Reply> =>
    request(gw(), 'POST', `/${table}?columns=id,name&select=id,name`, {
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', Prefer: 'return=representation,missing=default' },
    });

  test('every element draws a sequence value, given key or not (ids as PostgREST hands them out)', async () => {
    try {
      const r = await post('rd3_seq', [{ id: 100, name: 'given' }, { name: 'drawn' }, { id: 101, name: 'given too' }, { name: 'drawn too' }]);
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json(), [{ id: 100, name: 'given' }, { id: 2, name: 'drawn' }, { id: 101, name: 'given too' }, { id: 4, name: 'drawn too' }]);
      const [seq] = await sqlQuery<{ last_value: string }>('SELECT last_value::text FROM api.rd3_seq_id_seq');
      assert.equal(seq?.last_value, '4');
    } finally {
      await sqlQuery('TRUNCATE api.rd3_seq RESTART IDENTITY');
    }
  });

  test('quoted, case-sensitive names: each key takes its own default; given keys and explicit nulls stay', async () => {
    try {
      const r = await request(gw(), 'POST', `/Rd3_Odd?columns=${encodeURIComponent('"Id","it\'s","back\\\\slash",name')}`, {
        body: JSON.stringify([{ name: 'a' }, { Id: 50, "it's": null, 'back\\slash': 1, name: 'b' }, { name: 'c' }]),
        headers: { 'Content-Type': 'application/json', Prefer: 'return=representation,missing=default' },
      });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json(), [
        { Id: 1, "it's": 'quoted', 'back\\slash': 7, name: 'a' },
        { Id: 50, "it's": null, 'back\\slash': 1, name: 'b' },
        { Id: 3, "it's": 'quoted', 'back\\slash': 7, name: 'c' },
      ]);
    } finally {
      await sqlQuery('TRUNCATE api."Rd3_Odd" RESTART IDENTITY');
    }
  });

  test('bad bodies are 400 with PostgreSQL\'s reason and write nothing: a scalar element, a scalar body', async () => {
    try {
      for (const body of ['[{"name":"a"}, 5]', '[[{"name":"a"}]]', '"text"', '7']) {
        for (const path of ['/rd3_seq?columns=id,name', '/rd3_seq']) {
          const r = await request(gw(), 'POST', path, { body, headers: { 'Content-Type': 'application/json', Prefer: 'missing=default' } });
          assert.equal(r.status, 400, `${path} ${body}: ${r.text}`);
          assert.match((r.json() as { code: string }).code, /^(22023|PGRST102)$/, r.text);
        }
      }
      assert.deepEqual(await sqlQuery('SELECT id FROM api.rd3_seq'), [], 'nothing written');
    } finally {
      await sqlQuery('TRUNCATE api.rd3_seq RESTART IDENTITY');
    }
  });

  test('a default the role may not evaluate fails the insert even when every element gives the key', async () => {
    try {
      for (const body of [[{ id: 7, name: 'given' }], [{ name: 'drawn' }]]) {
        const r = await post('rd3_noseq', body);
        assert.equal(r.status, 401, r.text);
        assert.equal((r.json() as { code: string }).code, '42501');
      }
      assert.deepEqual(await sqlQuery('SELECT id FROM api.rd3_noseq'), [], 'nothing written');
    } finally {
      await sqlQuery('TRUNCATE api.rd3_noseq RESTART IDENTITY');
    }
  });
});
