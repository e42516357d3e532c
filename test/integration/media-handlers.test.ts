// Media type handlers (PostgREST v12+): domains named after media types, chosen by Accept —
// aggregates over one table's rows or anyelement for tables and views, functions returning the
// domain for RPC, the "*/*" catch-all, overriding text/csv, and 406 PGRST107 when none fits.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, sqlQuery, suiteGateway } from '../helpers/gateway.js';

async function bytes(port: number, path: string, accept: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { accept } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

describe('media type handlers', () => {
  const gateway = suiteGateway();
  const get = (path: string, accept?: string) => request(gateway(), 'GET', path, accept === undefined ? {} : { headers: { accept } });

  test('a table aggregate answers its media type', async () => {
    const r = await get('/media_notes?order=id', 'text/tab-separated-values');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/tab-separated-values');
    assert.equal(r.text, '1\tfirst\n2\tsecond\n3\tthird\n');
    // Filters, order and paging still shape the rows the aggregate sees.
    const some = await get('/media_notes?id=gte.2&order=id.desc&limit=1', 'text/tab-separated-values');
    assert.equal(some.text, '3\tthird\n');
    assert.equal(some.headers.get('content-range'), '0-0/*');
  });

  test('a table handler needs the default select; otherwise 406 PGRST107', async () => {
    const r = await get('/media_notes?select=id', 'text/tab-separated-values');
    assert.equal(r.status, 406);
    assert.deepEqual(r.json(), { code: 'PGRST107', message: 'None of these media types are available: text/tab-separated-values', details: null, hint: null });
    const star = await get('/media_notes?select=*&id=eq.1', 'text/tab-separated-values');
    assert.equal(star.text, '1\tfirst\n');
  });

  test('a table aggregate returning "text/csv" overrides the builtin CSV for that table only', async () => {
    const own = await get('/media_notes?order=id&id=lte.2', 'text/csv');
    assert.equal(own.status, 200);
    assert.equal(own.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(own.text, 'id;title\n1;first\n2;second\n');
    const builtin = await get('/directors?select=id&id=eq.1', 'text/csv');
    assert.equal(builtin.text, 'id\n1');
  });

  test('an anyelement aggregate serves every table, with any select', async () => {
    const r = await get('/media_notes?select=id,title&order=id&id=lte.2', 'text/plain');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(r.text, '(1,first)\n(2,second)\n');
    const other = await get('/directors?select=name&id=eq.2', 'text/plain');
    assert.equal(other.text, '("Agnès Varda")\n');
    const none = await get('/media_notes?id=eq.99', 'text/plain');
    assert.equal(none.status, 200);
    assert.equal(none.text, '');
  });

  test('the client order picks between handlers and builtins', async () => {
    const tsv = await get('/media_notes?id=eq.1', 'image/png, text/tab-separated-values;q=0.9, application/json;q=0.5');
    assert.equal(tsv.headers.get('content-type'), 'text/tab-separated-values');
    const json = await get('/media_notes?id=eq.1', 'application/json, text/tab-separated-values');
    assert.deepEqual(json.json(), [{ id: 1, title: 'first', body: 'one' }]);
    // Vendor types are never overridden.
    const obj = await get('/media_notes?id=eq.1', 'application/vnd.pgrst.object+json');
    assert.deepEqual(obj.json(), { id: 1, title: 'first', body: 'one' });
  });

  test('the "*/*" catch-all aggregate answers any Accept with bytes as application/octet-stream', async () => {
    for (const accept of ['*/*', 'application/json', 'image/png']) {
      const r = await bytes(gateway().port, '/media_files?id=eq.1', accept);
      assert.equal(r.status, 200, accept);
      assert.equal(r.type, 'application/octet-stream', accept);
      assert.deepEqual([...r.body], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff], accept);
    }
    // Not with a narrower select, where the builtins answer again.
    const picked = await get('/media_files?select=name&id=eq.2', 'application/json');
    assert.deepEqual(picked.json(), [{ name: 'b.txt' }]);
    // Nor for vendor types.
    const obj = await get('/media_files?select=id&id=eq.2', 'application/vnd.pgrst.object+json');
    assert.deepEqual(obj.json(), { id: 2 });
  });

  test('functions returning a media domain: text/html, text/plain, text/xml, vnd.geo+json', async () => {
    const html = await get('/rpc/media_html', 'text/html');
    assert.equal(html.status, 200);
    assert.equal(html.headers.get('content-type'), 'text/html');
    assert.equal(html.text, '<h1>Hello</h1>');
    const plain = await request(gateway(), 'POST', '/rpc/media_hello', { body: '{"name":"Ada"}', headers: { 'content-type': 'application/json', accept: 'text/plain' } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(plain.text, 'Hello, Ada');
    const xml = await get('/rpc/media_xml', 'text/xml');
    assert.equal(xml.headers.get('content-type'), 'text/xml; charset=utf-8');
    assert.equal(xml.text, '<a><b>1</b></a>');
    const geo = await get('/rpc/media_geo', 'application/vnd.geo+json');
    assert.equal(geo.headers.get('content-type'), 'application/vnd.geo+json');
    assert.deepEqual(geo.json(), { type: 'Point', coordinates: [1, 2] });
  });

  test('the same functions answer JSON when JSON is asked for', async () => {
    const html = await get('/rpc/media_html', 'application/json');
    assert.equal(html.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(html.json(), '<h1>Hello</h1>');
    const plain = await get('/rpc/media_hello?name=Bo');
    assert.equal(plain.json(), 'Hello, Bo');
  });

  test('application/octet-stream from a bytea domain is raw bytes; NULL is an empty body', async () => {
    const r = await bytes(gateway().port, '/rpc/media_bin', 'application/octet-stream');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/octet-stream');
    assert.deepEqual([...r.body], [0x00, 0xff, 0x10]);
    const empty = await bytes(gateway().port, '/rpc/media_null_bin', 'application/octet-stream');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.length, 0);
  });

  test('a function returning "*/*" answers any Accept; response.headers sets the Content-Type', async () => {
    for (const accept of ['image/png', '*/*', 'application/json']) {
      const r = await bytes(gateway().port, '/rpc/media_file?file_id=2', accept);
      assert.equal(r.status, 200, accept);
      assert.equal(r.type, 'text/plain', accept);
      assert.equal(r.body.toString('utf8'), 'hi\n', accept);
    }
  });

  test('set-returning functions of a table use that table\'s aggregate and the anyelement ones', async () => {
    const tsv = await get('/rpc/media_notes_from?min_id=2', 'text/tab-separated-values');
    assert.equal(tsv.status, 200);
    assert.equal(tsv.text, '2\tsecond\n3\tthird\n');
    const plain = await get('/rpc/media_notes_from?min_id=3&select=title', 'text/plain');
    assert.equal(plain.text, '(third)\n');
    const scalar = await get('/rpc/rpc_add?a=1&b=2', 'text/plain');
    assert.equal(scalar.status, 200);
    assert.equal(scalar.text, '3\n');
  });

  test('nothing producible → 406 PGRST107 with the Accept list', async () => {
    for (const path of ['/media_notes', '/rpc/media_html', '/rpc/media_bin']) {
      const r = await get(path, 'image/png, application/xml;q=0.5');
      assert.equal(r.status, 406, path);
      assert.deepEqual(r.json(), { code: 'PGRST107', message: 'None of these media types are available: image/png, application/xml', details: null, hint: null }, path);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8', path);
    }
    // A q=0 handler type is refused, too.
    const refused = await get('/media_notes', 'text/tab-separated-values;q=0');
    assert.equal(refused.status, 406);
  });

  test('a handler created later is served after a schema reload', async () => {
    await sqlQuery(`create domain "application/vnd.media-reload" as text;
      create function api.media_reloaded() returns "application/vnd.media-reload" language sql stable as $$ select 'fresh'::"application/vnd.media-reload" $$`);
    try {
      const before = await get('/rpc/media_reloaded', 'Application/VND.Media-Reload');
      assert.equal(before.status, 404);
      await gateway().reloadSchema();
      const after = await get('/rpc/media_reloaded', 'Application/VND.Media-Reload');
      assert.equal(after.status, 200);
      assert.equal(after.headers.get('content-type'), 'application/vnd.media-reload');
      assert.equal(after.text, 'fresh');
    } finally {
      await sqlQuery('drop function api.media_reloaded(); drop domain "application/vnd.media-reload"');
    }
  });

  test('HEAD with a handler type answers the headers only', async () => {
    const r = await request(gateway(), 'HEAD', '/media_notes?order=id', { headers: { accept: 'text/tab-separated-values' } });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
  });
});
