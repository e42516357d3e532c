// Shutdown of the real binary: after SIGTERM a request on a connection that was already open
// is answered (with Connection: close), new connections are refused, and server-drain-timeout
// bounds how long the process keeps taking requests; a request in flight at its end still
// finishes before the pool closes. In-process: a request on a keep-alive connection after
// stop() finds the connection closed, never a 503 from the closed pool.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authenticatorUri, sqlQuery, startTestGateway } from '../helpers/gateway.js';
import { eventually } from '../helpers/protocol.js';
import { exchangeOn, freePort, openSocket, parseResponses, rawExchange } from '../helpers/net.js';

const mainJs = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'gateway', 'main.js');

/** The real binary on a free port against the test cluster, with `extra` settings on top. */
async function spawnMain(extra: Record<string, string>): Promise<{ port: number; child: ChildProcess; exited: Promise<number | null>; stderr: () => string }> {
  const port = await freePort();
  const env = {
    ...process.env,
    PGRST_DB_URI: authenticatorUri(),
    PGRST_DB_SCHEMAS: 'api',
    PGRST_DB_ANON_ROLE: 'web_anon',
    PGRST_SERVER_HOST: '127.0.0.1',
    PGRST_SERVER_PORT: String(port),
    ...extra,
  };
  const child = spawn(process.execPath, [mainJs], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { port, child, exited, stderr: () => stderr };
}

describe('shutdown', () => {
  test('SIGTERM: open connections are still answered and told to close; new ones are refused; the drain ends', async () => {
    const { port, child, exited } = await spawnMain({ PGRST_SERVER_DRAIN_TIMEOUT: '3' });
    let signalled = false;
    const get = 'GET /http62_items?id=eq.1&select=id HTTP/1.1\r\nHost: x\r\n\r\n';
    try {
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        up = await fetch(`http://127.0.0.1:${port}/http62_items?limit=1`).then((r) => r.status === 200, () => false);
        if (!up) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(up, 'the gateway answered');
      const socket = await openSocket(port);
      const before = parseResponses((await exchangeOn(socket, get)).data).responses[0]!;
      assert.equal(before.status, 200);
      assert.equal(before.headers.get('connection'), undefined);
      child.kill('SIGTERM');
      signalled = true;
      await new Promise((r) => setTimeout(r, 500));
      const during = await exchangeOn(socket, get);
      const answer = parseResponses(during.data).responses[0];
      assert.equal(answer?.status, 200, during.data);
      assert.equal(answer.body, '[{"id":1}]');
      assert.equal(answer.headers.get('connection'), 'close');
      const fresh = await rawExchange(port, get, { waitMs: 1000 });
      assert.equal(fresh.data, '', 'no new connection is served');
      socket.destroy();
    } finally {
      // A second SIGTERM would end the drain by the default handler: only when the test failed early.
      if (!signalled) child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  test('a request still in flight when the drain time is up finishes before the pool closes', async () => {
    const { port, child, exited, stderr } = await spawnMain({ PGRST_SERVER_WORKERS: '1', PGRST_SERVER_DRAIN_TIMEOUT: '1' });
    let signalled = false;
    try {
      await eventually(async () => fetch(`http://127.0.0.1:${port}/http62_items?limit=1`).then((r) => r.status === 200, () => false), 20_000, 'the gateway answers');
      // Runs past the 1 s drain: before, the pool closed under it at the drain's end (503).
      const body = '{"secs":3}';
      const slow = rawExchange(port, `POST /rpc/proto63_sleep HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, {
        waitMs: 20_000,
        until: (d) => parseResponses(d).complete,
      });
      await eventually(async () => (await sqlQuery(`select 1 from pg_stat_activity where query like '%proto63_sleep%' and state = 'active' and pid <> pg_backend_pid()`)).length > 0, 10_000, 'the call runs');
      child.kill('SIGTERM');
      signalled = true;
      const reply = parseResponses((await slow).data).responses[0];
      assert.equal(reply?.status, 200, (await slow).data);
      assert.equal(reply.body, '1');
      assert.equal(reply.headers.get('connection'), 'close');
    } finally {
      if (!signalled) child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr());
    assert.match(stderr(), /Waiting for 1 request\(s\) in flight before closing the database pool/);
  });

  test('in process: a request on a keep-alive connection after stop() finds it closed, not a closed pool', async () => {
    const gw = await startTestGateway();
    const socket = await openSocket(gw.port);
    try {
      const get = 'GET /http62_items?id=eq.1&select=id HTTP/1.1\r\nHost: x\r\n\r\n';
      assert.equal(parseResponses((await exchangeOn(socket, get)).data).responses[0]?.status, 200);
      await gw.stop();
      const after = await exchangeOn(socket, get);
      assert.equal(after.data, '', 'no answer (a 503 "pool is closed" before)');
      assert.equal(after.closed, true);
    } finally {
      socket.destroy();
    }
  });
});
