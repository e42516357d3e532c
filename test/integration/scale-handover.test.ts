// Zero-downtime handover with server-reuseport on the real binary: under continuous load (each
// request on a connection of its own), a second process binds the same port, the first gets
// SIGTERM, drains and exits 0, and no request fails; the new process serves the rest. The new
// process listens only once its schema cache is loaded (else: 503 PGRST002 for its first ones).

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authenticatorUri } from '../helpers/gateway.js';
import { getOnce } from '../helpers/http.js';
import { freePort } from '../helpers/net.js';
import { eventually } from '../helpers/protocol.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'gateway', 'main.js');
const CLIENTS = 8;

describe('server-reuseport handover under load', () => {
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  async function launch(port: number): Promise<{ child: ChildProcess; admin: number; stderr: () => string }> {
    const admin = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env['PATH'] ?? '',
        PGRST_DB_URI: authenticatorUri(),
        PGRST_DB_SCHEMAS: 'api',
        PGRST_DB_ANON_ROLE: 'web_anon',
        PGRST_DB_POOL: '2',
        PGRST_SERVER_HOST: '127.0.0.1',
        PGRST_SERVER_PORT: String(port),
        PGRST_SERVER_REUSEPORT: 'true',
        PGRST_SERVER_WORKERS: '1',
        PGRST_ADMIN_SERVER_HOST: '127.0.0.1',
        PGRST_ADMIN_SERVER_PORT: String(admin),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`gateway exited: ${stderr}`);
      return (await getOnce({ host: '127.0.0.1', port: admin, path: '/ready' }).catch(() => ({ status: 0 }))).status === 200;
    }, 20_000, 'the gateway is ready');
    return { child, admin, stderr: () => stderr };
  }

  let port = 0;
  let old: Awaited<ReturnType<typeof launch>> | null = null;
  let next: Awaited<ReturnType<typeof launch>> | null = null;
  let running = true;
  const failures: string[] = [];
  let served = 0;
  let load: Promise<unknown> = Promise.resolve();
  after(async () => {
    running = false;
    await load;
  });

  // Todo: listening only after the first schema load under server-reuseport fixes this (tried:
  // 0 failures instead of ~17 PGRST002), but it left ops.test.js hanging at exit; not yet landed.
  test('a second process binds the same port under load and takes requests only once it can serve them', { todo: 'the new process listens before its schema cache is loaded: 503 PGRST002 for its first requests' }, async () => {
    port = await freePort();
    old = await launch(port);
    const client = async (): Promise<void> => {
      while (running) {
        try {
          const r = await getOnce({ host: '127.0.0.1', port, path: '/scale_node', headers: { Connection: 'close' } });
          if (r.status === 200) served++;
          else failures.push(`${r.status} ${r.body}`);
        } catch (err) {
          failures.push(err instanceof Error ? err.message : String(err));
        }
      }
    };
    load = Promise.all(Array.from({ length: CLIENTS }, client));
    await eventually(async () => served >= 50, 20_000, 'load against the old process');
    next = await launch(port);
    const before = served;
    await eventually(async () => served >= before + 50, 20_000, 'load against both');
    // Listening before its schema cache was loaded, it would answer its first ones 503 PGRST002.
    assert.deepEqual(failures, [], `${failures.length} of ${served + failures.length} requests failed`);
  });

  // Runs and reports, but does not fail the suite yet: the old process closes its listening
  // socket and then its pool once in-flight requests are done, so a request that arrives on a
  // connection it accepted just before (1-3 of ~300 here) gets 503 PGRST001 "pool is closed".
  // Serving open connections until they are idle, with Connection: close, is the SIGTERM drain of
  // issue 15 item 8 (gateway/server.ts); drop the todo once that lands.
  const todo = 'needs the SIGTERM drain of issue 15 item 8: requests on connections accepted just before the close';
  test('the old process drains on SIGTERM and exits 0: no request fails, the new one serves the rest', { todo }, async () => {
    assert.ok(old !== null && next !== null, 'the first test started both');
    const exited = new Promise<number | null>((r) => old!.child.once('exit', (code) => r(code)));
    old.child.kill('SIGTERM');
    assert.equal(await exited, 0, old.stderr());
    const before = served;
    await eventually(async () => served >= before + 50, 20_000, 'load against the new process alone');
    running = false;
    await load;
    assert.deepEqual(failures, [], `${failures.length} of ${served + failures.length} requests failed`);
    const metrics = (await getOnce({ host: '127.0.0.1', port: next.admin, path: '/metrics' })).body;
    assert.match(metrics, /pgrst_http_requests_total\{method="GET",status="200"\} [1-9]/);
  });
});
