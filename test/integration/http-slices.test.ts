// Big response bodies are written a slice at a time (gateway/server.ts, WRITE_SLICE): a client
// that reads in bursts, pausing for less than server-write-timeout each time, still gets every
// byte of a body many slices long, in order, and the connection then serves its next request.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { request, suiteGateway } from '../helpers/gateway.js';

describe('sliced big bodies', () => {
  const gw = suiteGateway({ PGRST_SERVER_WRITE_TIMEOUT: '2' });

  test('a client reading in bursts gets the whole body, then its next request is answered', async () => {
    const path = '/rpc/http62_big?n=20000';
    const whole = await request(gw(), 'GET', path);
    assert.equal(whole.status, 200);
    const expected = Buffer.from(whole.text);
    assert.ok(expected.length > 8 * 1024 * 1024, `only ${expected.length} bytes`);
    const data = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(gw().port, '127.0.0.1');
      const chunks: Buffer[] = [];
      let bytes = 0;
      let asked = false;
      /** Head plus body bytes of the first response, once its head is in. */
      let total = -1;
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        bytes += d.length;
        // Pause for 300 ms after every ~2 MB: the server meets backpressure again and again.
        if (bytes % (2 * 1024 * 1024) < d.length) {
          socket.pause();
          setTimeout(() => socket.resume(), 300);
        }
        if (total < 0) {
          const all = Buffer.concat(chunks);
          const headEnd = all.indexOf('\r\n\r\n');
          const m = headEnd < 0 ? null : /content-length: (\d+)/i.exec(all.subarray(0, headEnd).toString());
          if (m !== null) total = headEnd + 4 + Number(m[1]);
        }
        if (!asked && total >= 0 && bytes >= total) {
          asked = true;
          socket.write('GET /http62_items?id=eq.1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        }
      });
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
      // A stalled write ends the exchange: the assertions below then see the missing bytes.
      socket.setTimeout(20_000, () => socket.destroy());
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
    const headEnd = data.indexOf('\r\n\r\n');
    const length = Number(/content-length: (\d+)/i.exec(data.subarray(0, headEnd).toString())![1]);
    assert.equal(length, expected.length);
    const body = data.subarray(headEnd + 4, headEnd + 4 + length);
    assert.equal(createHash('sha256').update(body).digest('hex'), createHash('sha256').update(expected).digest('hex'));
    const rest = data.subarray(headEnd + 4 + length).toString();
    assert.match(rest, /^HTTP\/1\.1 200 OK\r\n/);
  });
});
