// Data representations as PostgREST v11+ (test/fixtures/69_reads2.sql): a domain's implicit
// casts to json shape output columns (named, renamed, cast on top, `*`, embeds, views, function
// results), its cast from text reads filter values (every operator with a value but like/ilike,
// `in`, embeds, and/or), its cast from json reads request bodies (POST, bulk, PATCH, upsert,
// missing=default, `columns=`). Casts that are not implicit, or whose function the
// authenticator may not execute, are no representation; bad values fail as the cast says.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('read: data representations', () => {
  const gw = suiteGateway();

  const get = async (path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; text: string }> => {
    const r = await request(gw(), 'GET', path, { headers });
    return { status: r.status, body: r.text === '' ? null : r.json(), text: r.text };
  };
  const ok = async (path: string): Promise<unknown> => {
    const r = await get(path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return r.body;
  };
  const write = async (method: string, path: string, body: unknown, prefer = 'return=representation'): Promise<{ status: number; body: unknown; text: string }> => {
    const r = await request(gw(), method, path, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Prefer: prefer } });
    return { status: r.status, body: r.text === '' ? null : r.json(), text: r.text };
  };

  test('a selected column is shown through its representation, under its own name', async () => {
    assert.deepEqual(await ok('/rd2_paint?select=id,color,made&id=lt.4&order=id'), [
      { id: 1, color: '#000000', made: 1577836800 },
      { id: 2, color: '#000100', made: 1577923200 },
      { id: 3, color: '#01E240', made: 1578009600 },
    ]);
    // The function decides what a null shows as ("" here).
    assert.deepEqual(await ok('/rd2_paint?select=color,made&id=eq.4'), [{ color: '', made: null }]);
    // Renamed, and cast on top of the shown (json) value.
    assert.deepEqual(await ok('/rd2_paint?select=c:color,t:color::text&id=eq.2'), [{ c: '#000100', t: '"#000100"' }]);
    // A JSON path walks the stored value, not the shown one.
    assert.deepEqual(await ok('/rd2_paint?select=color->>x&id=eq.2'), [{ x: null }]);
  });

  test('`*` lists every column in table order, each through its representation', async () => {
    const row2 = { id: 2, name: 'green', color: '#000100', made: 1577923200, note: 'gloss', secret: 's2' };
    assert.deepEqual(await ok('/rd2_paint?id=eq.2'), [row2]);
    assert.deepEqual(await ok('/rd2_paint?select=*&id=eq.2'), [row2]);
    const mixed = (await ok('/rd2_paint?select=made,*&id=eq.2')) as Record<string, unknown>[];
    assert.equal(mixed[0]!['made'], 1577923200);
    assert.equal(mixed[0]!['color'], '#000100');
  });

  test('an explicit-only cast and one the authenticator may not execute are no representation', async () => {
    assert.deepEqual(await ok('/rd2_paint?select=note,secret&id=eq.1'), [{ note: 'matte', secret: 's1' }]);
  });

  test('embeds, views (a computed column of the domain too) and function results are shown the same way', async () => {
    assert.deepEqual(await ok('/rd2_swatch?select=id,tint,rd2_paint(color)&order=id'), [
      { id: 1, tint: '#FFFFFF', rd2_paint: { color: '#000000' } },
      { id: 2, tint: '#000100', rd2_paint: { color: '#000100' } },
      { id: 3, tint: '#000001', rd2_paint: { color: '#000100' } },
    ]);
    assert.deepEqual(await ok('/rd2_paint?select=id,rd2_swatch(*)&id=eq.2&rd2_swatch.order=id'), [
      { id: 2, rd2_swatch: [{ id: 2, paint_id: 2, tint: '#000100' }, { id: 3, paint_id: 2, tint: '#000001' }] },
    ]);
    assert.deepEqual(await ok('/rd2_paint_v?select=id,color,dark&id=in.(2,3)&order=id'), [
      { id: 2, color: '#000100', dark: '#000080' },
      { id: 3, color: '#01E240', dark: '#00F120' },
    ]);
    assert.deepEqual(await ok('/rpc/rd2_paints?select=id,color&id=eq.3'), [{ id: 3, color: '#01E240' }]);
  });

  test('filter values are read through the cast from text', async () => {
    const ids = async (q: string): Promise<unknown> => ((await ok(`/rd2_paint?select=id&order=id&${q}`)) as { id: number }[]).map((r) => r.id);
    assert.deepEqual(await ids('color=eq.000100'), [2]);
    assert.deepEqual(await ids('color=eq.%23000100'), [2]);
    assert.deepEqual(await ids('color=gt.000100'), [3]);
    assert.deepEqual(await ids('color=neq.000100'), [1, 3]);
    assert.deepEqual(await ids('color=in.(000100,01E240)'), [2, 3]);
    assert.deepEqual(await ids('color=not.in.(000000,01E240)'), [2]);
    assert.deepEqual(await ids('color=in.()'), []);
    assert.deepEqual(await ids('color=isdistinct.000000'), [2, 3, 4]);
    assert.deepEqual(await ids('or=(color.eq.000000,color.eq.01E240)'), [1, 3]);
    assert.deepEqual(await ids('color=is.null'), [4]);
    // Inside an embed, and for the count.
    assert.deepEqual(await ok('/rd2_paint?select=id,rd2_swatch(id)&id=eq.2&rd2_swatch.tint=eq.000001'), [{ id: 2, rd2_swatch: [{ id: 3 }] }]);
    const counted = await request(gw(), 'GET', '/rd2_paint?select=id&color=lte.000100', { headers: { Prefer: 'count=exact' } });
    assert.equal(counted.headers.get('content-range'), '0-1/2');
  });

  test('a column without a cast from text filters as PostgreSQL reads the value', async () => {
    assert.deepEqual(await ok('/rd2_paint?select=id&made=eq.2020-01-02T00:00:00Z'), [{ id: 2 }]);
    const bad = await get('/rd2_paint?select=id&made=eq.Z');
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { code: string }).code, '22007');
  });

  test('bad filter values fail as the cast function does; like/ilike are not read through it', async () => {
    const bad = await get('/rd2_paint?select=id&color=eq.zz');
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { code: string }).code, '22P02');
    const range = await get('/rd2_paint?select=id&color=in.(1000000000)');
    assert.equal(range.status, 400);
    assert.equal((range.body as { code: string }).code, '23514');
    // PostgREST: no operator for the domain and text (42883 → 404).
    const like = await get('/rd2_paint?select=id&color=ilike.*100');
    assert.equal(like.status, 404);
    assert.equal((like.body as { code: string }).code, '42883');
  });

  test('request bodies are read through the cast from json; the representation comes back', async () => {
    const one = await write('POST', '/rd2_ink', { id: 1, name: 'ink', color: '#001100', made: 60 });
    assert.equal(one.status, 201, one.text);
    assert.deepEqual(one.body, [{ id: 1, name: 'ink', color: '#001100', made: 60 }]);
    const bulk = await write('POST', '/rd2_ink?select=id,color', [{ id: 2, color: '#000002' }, { id: 3, color: null }]);
    assert.equal(bulk.status, 201, bulk.text);
    assert.deepEqual(bulk.body, [{ id: 2, color: '#000002' }, { id: 3, color: '' }]);
    // Missing keys take the column default with missing=default. As in PostgREST, the default
    // is merged into the element (jsonb_build_object('color', 255) || elem) and so is read
    // through the cast from json like a given value: JSON 255 is the hex text '255'.
    const dflt = await write('POST', '/rd2_ink?columns=id,color&select=id,color', { id: 4 }, 'return=representation, missing=default');
    assert.equal(dflt.status, 201, dflt.text);
    assert.deepEqual(dflt.body, [{ id: 4, color: '#000255' }]);
    // Keys outside columns= are never read, valid or not.
    const cols = await write('POST', '/rd2_ink?columns=id,color&select=id,name,color,made', { id: 5, name: 'skipped', color: '#000005', made: 'not a number' });
    assert.equal(cols.status, 201, cols.text);
    assert.deepEqual(cols.body, [{ id: 5, name: null, color: '#000005', made: null }]);
    const patched = await write('PATCH', '/rd2_ink?id=in.(1,2)&order=id', { color: '#ABCDEF', made: 120 });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.body, [
      { id: 1, name: 'ink', color: '#ABCDEF', made: 120 },
      { id: 2, name: null, color: '#ABCDEF', made: 120 },
    ]);
    // A PATCH filtered on the represented column reads its value through the text cast.
    const byColor = await write('PATCH', '/rd2_ink?color=eq.ABCDEF&select=id&order=id', { name: 'abc' });
    assert.deepEqual(byColor.body, [{ id: 1 }, { id: 2 }]);
    const upsert = await write('POST', '/rd2_ink?select=id,color', [{ id: 1, color: '#000001' }, { id: 6, color: '#000006' }], 'return=representation, resolution=merge-duplicates');
    assert.equal(upsert.status, 201, upsert.text);
    assert.deepEqual(upsert.body, [{ id: 1, color: '#000001' }, { id: 6, color: '#000006' }]);
    const put = await write('PUT', '/rd2_ink?id=eq.7&select=id,color', { id: 7, color: '#000007' });
    assert.equal(put.status, 201, put.text);
    assert.deepEqual(put.body, [{ id: 7, color: '#000007' }]);
  });

  test('bad body values fail as the cast function or the domain check does, and nothing is written', async () => {
    const hex = await write('POST', '/rd2_ink', { id: 90, color: 'nothex' });
    assert.equal(hex.status, 400, hex.text);
    assert.equal((hex.body as { code: string }).code, '22P02');
    const range = await write('POST', '/rd2_ink', { id: 91, color: '#FFFFFFFF' });
    assert.equal(range.status, 400, range.text);
    assert.equal((range.body as { code: string }).code, '23514');
    const unknown = await write('POST', '/rd2_ink?columns=id,colour', { id: 92, colour: '#000000' });
    assert.equal(unknown.status, 400);
    assert.equal((unknown.body as { code: string }).code, 'PGRST204');
    assert.deepEqual(await ok('/rd2_ink?select=id&id=gte.90'), []);
  });
});

describe('read: data representations with aggregates', () => {
  const gw = suiteGateway({ PGRST_DB_AGGREGATES_ENABLED: 'true' });

  test('a shown column groups by its stored value; the aggregate input is the shown value, as PostgREST', async () => {
    const r = await request(gw(), 'GET', '/rd2_swatch?select=tint,count()&order=tint');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), [
      { tint: '#000001', count: 1 },
      { tint: '#000100', count: 1 },
      { tint: '#FFFFFF', count: 1 },
    ]);
    const grouped = await request(gw(), 'GET', '/rd2_swatch?select=paint_id,tint.count()&order=paint_id');
    assert.deepEqual(grouped.json(), [{ paint_id: 1, count: 1 }, { paint_id: 2, count: 2 }]);
    // max() of json does not exist in PostgreSQL: PostgREST's error too (42883 → 404).
    const max = await request(gw(), 'GET', '/rd2_swatch?select=tint.max()');
    assert.equal(max.status, 404, max.text);
    assert.equal((max.json() as { code: string }).code, '42883');
  });
});
