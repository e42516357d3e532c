// server-workers = 2 on the real binary: both threads serve the one port (each thread's request
// count in /metrics is above 0 after many fresh connections), the admin server's /metrics adds
// both threads' figures (the pool total stays db-pool), a schema reload (NOTIFY) reaches the
// worker without it querying the catalog, and SIGTERM stops both and exits 0.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authenticatorUri, sqlQuery } from '../helpers/gateway.js';
import { getOnce } from '../helpers/http.js';
import { freePort } from '../helpers/net.js';
import { eventually } from '../helpers/protocol.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'gateway', 'main.js');

/** One GET on a connection of its own, so the kernel picks a thread for each. */
function freshGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return getOnce({ host: '127.0.0.1', port, path, headers: { Connection: 'close' } });
}

async function metric(adminPort: number, name: string): Promise<number[]> {
  const text = (await freshGet(adminPort, '/metrics')).body;
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, 'gm'))].map((m) => Number(m[1]));
}

describe('server-workers = 2 (the binary)', () => {
  let child: ChildProcess | null = null;
  let port = 0;
  let adminPort = 0;
  let stderr = '';
  const table = `scale_workers_${process.pid}`;

  before(async () => {
    port = await freePort();
    adminPort = await freePort();
    child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env['PATH'] ?? '',
        PGRST_DB_URI: authenticatorUri(),
        PGRST_DB_SCHEMAS: 'api',
        PGRST_DB_ANON_ROLE: 'web_anon',
        PGRST_DB_POOL: '4',
        PGRST_SERVER_HOST: '127.0.0.1',
        PGRST_SERVER_PORT: String(port),
        PGRST_ADMIN_SERVER_PORT: String(adminPort),
        PGRST_SERVER_WORKERS: '2',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    await eventually(async () => /Serving with 2 threads/.test(stderr) || child?.exitCode !== null, 20_000, 'both threads listening');
    assert.equal(child.exitCode, null, stderr);
  });
  after(async () => {
    if (child !== null && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    await sqlQuery(`drop table if exists api.${table}`);
  });

  test('both threads serve the port; /metrics adds them up and the pool total is db-pool', async () => {
    assert.match(stderr, /db-pool 2 \+ 2/);
    const replies = await Promise.all(Array.from({ length: 60 }, () => freshGet(port, '/scale_node')));
    for (const r of replies) assert.equal(r.status, 200, r.body);
    await eventually(async () => {
      const perThread = await metric(adminPort, 'pgrst_server_thread_requests_total');
      return perThread.length === 2 && perThread.every((n) => n > 0) && perThread.reduce((a, b) => a + b, 0) >= 60;
    }, 10_000, 'each thread served requests and pushed its figures');
    assert.deepEqual(await metric(adminPort, 'pgrst_db_pool_max'), [4]);
  });

  test('a schema reload reaches the worker thread', async () => {
    await sqlQuery(`create table api.${table} (id int); grant select on api.${table} to web_anon; notify pgrst, 'reload schema'`);
    await eventually(async () => {
      const replies = await Promise.all(Array.from({ length: 40 }, () => freshGet(port, `/${table}`)));
      return replies.every((r) => r.status === 200);
    }, 20_000, 'every thread serves the new table');
    const perThread = await metric(adminPort, 'pgrst_server_thread_requests_total');
    assert.ok(perThread.every((n) => n > 0));
    // Loaded once at start and once for the reload, by the main thread only: handed over, not repeated.
    assert.equal((stderr.match(/Schema cache loaded/g) ?? []).length, 2, stderr);
  });

  test('SIGTERM stops both threads and exits 0', async () => {
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child!.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  });
});
