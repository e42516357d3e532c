// The access log: PostgREST's combined-format line per request at log-level info, only 4xx
// and 5xx at warn, with the role the request ran as.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, startTestGateway } from '../helpers/gateway.js';

describe('access log', () => {
  test('info logs every request with method, path, status, size and role', async () => {
    const lines: string[] = [];
    const gw = await startTestGateway({ PGRST_LOG_LEVEL: 'info' }, { accessLog: (l) => lines.push(l) });
    try {
      const ok = await request(gw, 'GET', '/todos?limit=1', { headers: { 'User-Agent': 'log-test' } });
      assert.equal(ok.status, 200);
      await request(gw, 'GET', '/nope');
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /^127\.0\.0\.1 - web_anon \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/todos\?limit=1 HTTP\/1\.1" 200 \d+ "" "log-test"$/);
      assert.match(lines[1]!, /"GET \/nope HTTP\/1\.1" 404 /);
    } finally {
      await gw.stop();
    }
  });

  test('warn logs only client and server errors', async () => {
    const lines: string[] = [];
    const gw = await startTestGateway({ PGRST_LOG_LEVEL: 'warn' }, { accessLog: (l) => lines.push(l) });
    try {
      await request(gw, 'GET', '/todos?limit=1');
      await request(gw, 'GET', '/todos?id=eqq.1');
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^- - web_anon .* 400 /);
    } finally {
      await gw.stop();
    }
  });
});
