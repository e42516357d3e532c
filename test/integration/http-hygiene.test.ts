// Hostile and odd HTTP against the uWS front end, as raw bytes: ambiguous framing refused
// with 400 and a closed connection (no smuggled second request), slow readers cut off after
// server-write-timeout, NULs and huge limits in the URL, invalid UTF-8 bodies, CORS preflight
// headers, OPTIONS on functions.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request, suiteGateway } from '../helpers/gateway.js';
import { parseResponses, rawExchange } from '../helpers/net.js';

const statusLines = (data: string): number => (data.match(/HTTP\/1\.1 \d{3}/g) ?? []).length;

describe('HTTP hygiene', () => {
  const gw = suiteGateway({ PGRST_SERVER_WRITE_TIMEOUT: '1' });

  test('repeated Content-Length: 400, connection closed, the bytes after the body never served', async () => {
    const smuggled = 'GET /http62_items?id=eq.1 HTTP/1.1\r\nHost: x\r\n\r\n';
    const r = await rawExchange(
      gw().port,
      `POST /http62_items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: ${2 + smuggled.length}\r\n\r\n{}${smuggled}`,
      { waitMs: 5000 },
    );
    // uWS has already parsed the smuggled request when the 400 is written; dropping it closes
    // the connection before the 400 is flushed. Nothing but (at most) the 400 comes back.
    assert.equal(r.closed, true);
    assert.doesNotMatch(r.data, /HTTP\/1\.1 2\d\d/);
    assert.ok(statusLines(r.data) <= 1, r.data);
    const alone = await rawExchange(gw().port, 'POST /http62_items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}', { waitMs: 5000 });
    assert.equal(alone.closed, true);
    assert.equal(parseResponses(alone.data).responses[0]?.status, 400);
  });

  test('a transfer coding other than chunked: 400 and closed', async () => {
    for (const extra of ['Transfer-Encoding: gzip, chunked\r\n', 'Transfer-Encoding: identity\r\n']) {
      const r = await rawExchange(gw().port, `POST /http62_items HTTP/1.1\r\nHost: x\r\n${extra}Content-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n`, { waitMs: 5000 });
      assert.equal(r.closed, true, extra);
      assert.equal(parseResponses(r.data).responses[0]?.status, 400, r.data);
    }
  });

  test('Content-Length with Transfer-Encoding: nothing is served (uWS drops the connection first)', async () => {
    const r = await rawExchange(gw().port, 'POST /http62_items HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /http62_items HTTP/1.1\r\nHost: x\r\n\r\n', { waitMs: 5000 });
    assert.equal(r.closed, true);
    assert.doesNotMatch(r.data, /HTTP\/1\.1 2\d\d/);
  });

  test('a client that stops reading is disconnected after server-write-timeout', async () => {
    // ~20 MB: far more than the socket buffers of a client that reads nothing hold.
    const path = '/rpc/http62_big?n=20000';
    const whole = await request(gw(), 'GET', path);
    assert.equal(whole.status, 200);
    const expected = Buffer.byteLength(whole.text);
    const received = await new Promise<number>((resolve) => {
      const socket = connect(gw().port, '127.0.0.1');
      let bytes = 0;
      socket.pause();
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      // Read nothing for three write timeouts, then drain whatever is left.
      setTimeout(() => socket.resume(), 3000);
      socket.on('data', (d: Buffer) => (bytes += d.length));
      // A safety net only: cleared on close so it cannot keep the test file alive for 30 s.
      const giveUp = setTimeout(() => socket.destroy(), 30000);
      socket.on('close', () => {
        clearTimeout(giveUp);
        resolve(bytes);
      });
    });
    assert.ok(received < expected, `received ${received} of ${expected} bytes`);
    // The server is fine afterwards.
    assert.equal((await request(gw(), 'GET', '/http62_items?id=eq.1')).status, 200);
  });

  test('a NUL in a column name, select or order is 400 PGRST100 (not a dropped connection)', async () => {
    for (const q of ['select=id%00x', 'order=id%00', 'na%00me=eq.x', 'select=id,http62_items(na%00me)']) {
      const r = await request(gw(), 'GET', `/http62_items?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal((r.json() as { code: string }).code, 'PGRST100', q);
    }
    assert.equal((await request(gw(), 'GET', '/http62_items?id=eq.1')).status, 200);
  });

  test('a limit or offset past 2^53 is PGRST100 naming the value as sent', async () => {
    for (const key of ['limit', 'offset']) {
      const r = await request(gw(), 'GET', `/http62_items?${key}=99999999999999999999`);
      assert.equal(r.status, 400);
      const body = r.json() as { code: string; message: string };
      assert.equal(body.code, 'PGRST100');
      assert.match(body.message, new RegExp(`${key} parameter \\(99999999999999999999\\)`));
    }
  });

  test('a negative limit is 416 PGRST103, as PostgREST', async () => {
    const r = await request(gw(), 'GET', '/http62_items?limit=-1');
    assert.equal(r.status, 416);
    assert.deepEqual(r.json(), { code: 'PGRST103', details: 'Limit should be greater than or equal to zero.', hint: null, message: 'Requested range not satisfiable' });
  });

  test('invalid UTF-8 in a JSON body is 400 PGRST102, for tables and functions', async () => {
    const bad = Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"name":"\xff\xfe"}
    for (const path of ['/http62_items', '/http62_items?columns=name', '/rpc/http62_echo']) {
      const res = await fetch(`http://127.0.0.1:${gw().port}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bad });
      assert.equal(res.status, 400, path);
      assert.equal(((await res.json()) as { code: string }).code, 'PGRST102', path);
    }
  });

  test('a preflight allows Authorization, the requested headers split and trimmed, and the safelisted ones', async () => {
    const r = await request(gw(), 'OPTIONS', '/http62_items', {
      headers: { Origin: 'http://example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'Foo, Bar ,,accept' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-headers'), 'Authorization, Foo, Bar, accept, Accept-Language, Content-Language');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    // Credentials only with an origin list (as wai-cors).
    assert.equal(r.headers.get('access-control-allow-credentials'), null);
  });

  test('OPTIONS without Origin still says Access-Control-Allow-Origin: * when no origin list is set', async () => {
    const r = await request(gw(), 'OPTIONS', '/http62_items');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.equal(r.headers.get('content-length'), '0');
  });

  test('OPTIONS /rpc/fn: Allow by volatility; an unknown function is 404 PGRST202', async () => {
    const volatile = await request(gw(), 'OPTIONS', '/rpc/http62_volatile');
    assert.equal(volatile.status, 200);
    assert.equal(volatile.headers.get('allow'), 'OPTIONS,POST');
    for (const fn of ['http62_stable', 'http62_echo']) {
      const r = await request(gw(), 'OPTIONS', `/rpc/${fn}`);
      assert.equal(r.status, 200, fn);
      assert.equal(r.headers.get('allow'), 'OPTIONS,GET,HEAD,POST', fn);
    }
    const missing = await request(gw(), 'OPTIONS', '/rpc/http62_missing');
    assert.equal(missing.status, 404);
    assert.equal((missing.json() as { code: string }).code, 'PGRST202');
  });

  // uWS 20.30 limits, checked with raw sockets: these never reach gateway code (no handler is
  // called, or uWS closes the connection in C++ before or after it), so server.ts cannot
  // mitigate them; they are documented here rather than asserted. res.pause() does not hold a
  // pipelined request back either: uWS still reads and refuses it while a response is pending.
  test.skip('pipelined requests are answered in order (uWS 20.30 closes a connection whose next request arrives before the response is written, in the same packet or a later one: async pipelining is refused by design)');
  test.skip('unknown methods get 405 (uWS 20.30 closes the connection for any method outside its list: FOO, PROPFIND, lowercase get; no handler is called)');
  test.skip('malformed heads, obsolete line folding, HTTP/1.0 without Host and absolute-form targets get 400 or an answer (uWS 20.30 answers nothing and closes at its 10 s idle timeout; heads past its limit, between 70 and 200 KB, are closed without 431)');
});

describe('server-cors-allowed-origins narrows OPTIONS', () => {
  const gw = suiteGateway({ PGRST_SERVER_CORS_ALLOWED_ORIGINS: 'http://good.example' });

  test('no Access-Control-Allow-Origin: * on OPTIONS, the listed origin with credentials', async () => {
    const plain = await request(gw(), 'OPTIONS', '/http62_items');
    assert.equal(plain.headers.get('access-control-allow-origin'), null);
    const pre = await request(gw(), 'OPTIONS', '/http62_items', { headers: { Origin: 'http://good.example', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://good.example');
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
  });
});
