// HTTP framing as RFC 9110 and PostgREST send it, seen as raw bytes: no Content-Length on 204,
// HEAD with the GET's headers (never uWS's 2^63 length), Connection: close honoured, 416 with
// Content-Range */N, Vary, Preference-Applied tx= on reads, Server-Timing on HEAD and OPTIONS.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, suiteGateway } from '../helpers/gateway.js';
import { exchangeOn, openSocket, parseResponses, rawExchange } from '../helpers/net.js';

const head = (method: string, path: string, extra = ''): string => `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;

describe('HTTP framing', () => {
  const gw = suiteGateway({ PGRST_DB_TX_END: 'commit-allow-override', PGRST_SERVER_TIMING_ENABLED: 'true' });

  test('a 204 carries no Content-Length, and the connection stays usable', async () => {
    const socket = await openSocket(gw().port);
    try {
      const del = await exchangeOn(socket, head('DELETE', '/http62_items?id=eq.999999'));
      const [r] = parseResponses(del.data).responses;
      assert.equal(r?.status, 204);
      assert.equal(r.headers.has('content-length'), false, del.data);
      const next = await exchangeOn(socket, head('GET', '/http62_items?id=eq.1&select=id'));
      assert.equal(parseResponses(next.data).responses[0]?.body, '[{"id":1}]');
    } finally {
      socket.destroy();
    }
  });

  test("HEAD sends GET's headers without a body and without a made-up length", async () => {
    const socket = await openSocket(gw().port);
    try {
      const get = parseResponses((await exchangeOn(socket, head('GET', '/http62_items?select=id&order=id'))).data).responses[0]!;
      const h = await exchangeOn(socket, head('HEAD', '/http62_items?select=id&order=id'), true);
      const r = parseResponses(h.data, [true]).responses[0]!;
      assert.equal(r.status, 200);
      assert.equal(r.body, '');
      assert.doesNotMatch(h.data, /9223372036854775808/);
      // The read was not built (PostgREST's headers-only plan): no length rather than a wrong one.
      assert.equal(r.headers.get('content-length'), undefined);
      for (const k of ['content-type', 'content-range', 'content-location', 'vary']) assert.equal(r.headers.get(k), get.headers.get(k), k);
      // The connection still frames the next response correctly.
      const after = parseResponses((await exchangeOn(socket, head('GET', '/http62_items?id=eq.2&select=id'))).data).responses[0]!;
      assert.equal(after.body, '[{"id":2}]');
    } finally {
      socket.destroy();
    }
  });

  test('HEAD of an error sends the length the GET body has', async () => {
    const get = await request(gw(), 'GET', '/http62_nope');
    const socket = await openSocket(gw().port);
    try {
      const r = parseResponses((await exchangeOn(socket, head('HEAD', '/http62_nope'), true)).data, [true]).responses[0]!;
      assert.equal(r.status, 404);
      assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(get.text)));
      assert.equal(r.body, '');
    } finally {
      socket.destroy();
    }
  });

  test('a client Connection: close (also in a token list) is answered with Connection: close and the connection closed', async () => {
    for (const value of ['close', 'keep-alive, Close']) {
      const r = await rawExchange(gw().port, head('GET', '/http62_items?id=eq.1&select=id', `Connection: ${value}\r\n`), { waitMs: 5000 });
      assert.equal(r.closed, true, value);
      const res = parseResponses(r.data).responses[0]!;
      assert.equal(res.status, 200);
      assert.equal(res.body, '[{"id":1}]');
    }
    const tokens = await rawExchange(gw().port, head('GET', '/http62_items?id=eq.1&select=id', 'Connection: keep-alive, close\r\n'), { waitMs: 5000 });
    assert.equal(parseResponses(tokens.data).responses[0]?.headers.get('connection'), 'close');
  });

  test('416 carries Content-Range */total', async () => {
    const r = await request(gw(), 'GET', '/http62_items?offset=100', { headers: { Prefer: 'count=exact' } });
    assert.equal(r.status, 416);
    assert.equal(r.headers.get('content-range'), '*/5');
    assert.equal((r.json() as { code: string }).code, 'PGRST103');
  });

  test('Vary: Accept, Prefer, Range on answers, not on errors', async () => {
    const ok = await request(gw(), 'GET', '/http62_items?id=eq.1');
    assert.equal(ok.headers.get('vary'), 'Accept, Prefer, Range');
    const options = await request(gw(), 'OPTIONS', '/http62_items');
    assert.equal(options.headers.get('vary'), 'Accept, Prefer, Range');
    const bad = await request(gw(), 'GET', '/http62_items?id=zz.1');
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('vary'), null);
  });

  test('Preference-Applied reports tx= on reads too, in PostgREST order', async () => {
    const read = await request(gw(), 'GET', '/http62_items?id=eq.1', { headers: { Prefer: 'tx=rollback, count=exact' } });
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('preference-applied'), 'count=exact, tx=rollback');
    const write = await request(gw(), 'PATCH', '/http62_items?id=eq.1', {
      body: '{"name":"item 1"}',
      headers: { 'Content-Type': 'application/json', Prefer: 'tx=rollback, handling=strict, return=minimal' },
    });
    assert.equal(write.headers.get('preference-applied'), 'return=minimal, tx=rollback, handling=strict');
  });

  test('Server-Timing on HEAD (tables, calls, the root) and on OPTIONS', async () => {
    for (const [method, path, phases] of [
      ['HEAD', '/http62_items', ['jwt', 'parse', 'plan', 'transaction', 'response']],
      ['HEAD', '/rpc/http62_stable', ['jwt', 'parse', 'plan', 'transaction', 'response']],
      ['HEAD', '/', ['jwt', 'parse', 'plan', 'transaction', 'response']],
      ['OPTIONS', '/http62_items', ['jwt', 'parse', 'response']],
      ['OPTIONS', '/rpc/http62_stable', ['jwt', 'parse', 'response']],
      ['OPTIONS', '/', ['jwt', 'parse', 'response']],
    ] as const) {
      const r = await request(gw(), method, path);
      assert.equal(r.status, 200, `${method} ${path}`);
      const timing = r.headers.get('server-timing') ?? '';
      for (const p of phases) assert.match(timing, new RegExp(`(^|, )${p};dur=\\d+\\.\\d`), `${method} ${path}: ${timing}`);
    }
  });
});
