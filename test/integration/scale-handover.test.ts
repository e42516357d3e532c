// Zero-downtime handover with server-reuseport on the real binary: under continuous load (some
// clients open a connection per request, others keep theirs alive), a second process binds the
// same port, the first gets SIGTERM, reports not ready, drains (its open connections answered
// with Connection: close) and exits 0, and no request fails; the new process serves the rest.
// The new process listens only once its schema cache is loaded (else: 503 PGRST002 for its
// first ones). The old process runs two server-workers threads, so every thread's drain counts.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authenticatorUri } from '../helpers/gateway.js';
import { getOnce } from '../helpers/http.js';
import { freePort } from '../helpers/net.js';
import { eventually } from '../helpers/protocol.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'gateway', 'main.js');
/** Clients opening a connection per request, and clients reusing one (keep-alive). */
const CLOSE_CLIENTS = 6;
const KEEPALIVE_CLIENTS = 4;

/** One GET on a keep-alive agent: the connection is reused until the server says close. */
function getKeepAlive(agent: Agent, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server-reuseport handover under load', () => {
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  async function launch(port: number, workers: number): Promise<{ child: ChildProcess; admin: number; stderr: () => string }> {
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
        PGRST_SERVER_WORKERS: String(workers),
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
  test('a second process binds the same port under load and takes requests only once it can serve them', async () => {
    port = await freePort();
    old = await launch(port, 2);
    const client = async (keepAlive: boolean): Promise<void> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (running) {
        try {
          const r = keepAlive
            ? await getKeepAlive(agent, port, '/scale_node')
            : await getOnce({ host: '127.0.0.1', port, path: '/scale_node', headers: { Connection: 'close' } });
          if (r.status === 200) served++;
          else failures.push(`${r.status} ${r.body}`);
        } catch (err) {
          failures.push(`${keepAlive ? 'keep-alive' : 'close'}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      agent.destroy();
    };
    load = Promise.all([
      ...Array.from({ length: CLOSE_CLIENTS }, () => client(false)),
      ...Array.from({ length: KEEPALIVE_CLIENTS }, () => client(true)),
    ]);
    await eventually(async () => served >= 50, 20_000, 'load against the old process');
    next = await launch(port, 1);
    const before = served;
    await eventually(async () => served >= before + 50, 20_000, 'load against both');
    // Listening before its schema cache was loaded, it would answer its first ones 503 PGRST002.
    assert.deepEqual(failures, [], `${failures.length} of ${served + failures.length} requests failed`);
  });

  // The drain: /ready 503 at once, the listening sockets closed (new connections all go to the
  // new process), requests on connections already open answered with Connection: close, and
  // the pool closed only after the last one is answered.
  test('the old process drains on SIGTERM and exits 0: no request fails, the new one serves the rest', async () => {
    assert.ok(old !== null && next !== null, 'the first test started both');
    const exited = new Promise<number | null>((r) => old!.child.once('exit', (code) => r(code)));
    old.child.kill('SIGTERM');
    const oldAdmin = old.admin;
    await eventually(async () => (await getOnce({ host: '127.0.0.1', port: oldAdmin, path: '/ready' }).catch(() => ({ status: 0 }))).status === 503, 4_000, 'the old process reports not ready while it drains');
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
