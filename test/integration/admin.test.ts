// The admin server (/live, /ready, /metrics, /schema_cache) and the server binary's CLI:
// --version, --help, --dump-config, --ready, and a graceful exit 0 on SIGTERM.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Gateway } from '../../gateway/app.js';
import { freePort } from '../../gateway/embedded.js';
import { authenticatorUri, request, startTestGateway } from '../helpers/gateway.js';

const mainJs = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'gateway', 'main.js');

describe('admin server', () => {
  let gw: Gateway;
  let admin: string;
  before(async () => {
    gw = await startTestGateway({ PGRST_ADMIN_SERVER_PORT: '0' });
    assert.ok(gw.adminPort !== null && gw.adminPort > 0);
    admin = `http://127.0.0.1:${gw.adminPort}`;
  });
  after(async () => {
    await gw.stop();
  });

  test('/live and /ready answer 200 once the schema cache is loaded', async () => {
    assert.equal((await fetch(`${admin}/live`)).status, 200);
    assert.equal((await fetch(`${admin}/ready`)).status, 200);
  });

  test('/metrics speaks Prometheus text with PostgREST names and request counts', async () => {
    await request(gw, 'GET', '/todos?limit=1');
    await request(gw, 'GET', '/nope');
    const res = await fetch(`${admin}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    const text = await res.text();
    assert.match(text, /^pgrst_schema_cache_loads_total\{status="SUCCESS"\} [1-9]/m);
    assert.match(text, /^pgrst_http_requests_total\{method="GET",status="200"\} [1-9]/m);
    assert.match(text, /^pgrst_http_requests_total\{method="GET",status="404"\} [1-9]/m);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
    assert.match(text, /^pgrst_db_pool_max 4$/m);
    assert.match(text, /^pgrst_db_pool_available [1-4]$/m);
    assert.match(text, /^pgrst_db_pool_timeouts_total 0$/m);
  });

  test('/schema_cache dumps the tables; anything else is 404', async () => {
    const res = await fetch(`${admin}/schema_cache`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { dbTables: { schema: string; name: string }[]; dbForeignKeys: { constraint: string; table: string }[] };
    assert.ok(body.dbTables.some((t) => t.schema === 'api' && t.name === 'todos'));
    assert.ok(body.dbForeignKeys.some((k) => k.constraint === 'emb_orders_billing_fk' && k.table === 'emb_orders'));
    assert.ok(body.dbForeignKeys.some((k) => k.table === 'emb_films_view2'));
    assert.equal((await fetch(`${admin}/config`)).status, 404);
  });
});

describe('server binary', () => {
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    ...process.env,
    PGRST_DB_URI: authenticatorUri(),
    PGRST_DB_SCHEMAS: 'api',
    PGRST_DB_ANON_ROLE: 'web_anon',
    PGRST_SERVER_HOST: '127.0.0.1',
    ...extra,
  });

  test('--version, --help and --example print and exit 0', () => {
    const v = spawnSync(process.execPath, [mainJs, '--version'], { encoding: 'utf8' });
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^pgrest-gateway \d+\.\d+\.\d+/);
    const h = spawnSync(process.execPath, [mainJs, '--help'], { encoding: 'utf8' });
    assert.equal(h.status, 0);
    assert.match(h.stdout, /--dump-config/);
    const bad = spawnSync(process.execPath, [mainJs, '--bogus'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
  });

  test('--dump-config prints the effective config; an invalid value stops the start', () => {
    const d = spawnSync(process.execPath, [mainJs, '--dump-config'], { encoding: 'utf8', env: env({ PGRST_DB_POOL: '7' }) });
    assert.equal(d.status, 0);
    assert.match(d.stdout, /^db-pool = 7$/m);
    assert.match(d.stdout, /^db-schemas = "api"$/m);
    const bad = spawnSync(process.execPath, [mainJs], { encoding: 'utf8', env: env({ PGRST_DB_POOL: 'many' }) });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /db-pool/);
  });

  test('serves, answers --ready, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const adminPort = await freePort();
    const e = env({ PGRST_SERVER_PORT: String(port), PGRST_ADMIN_SERVER_PORT: String(adminPort), PGRST_ADMIN_SERVER_HOST: '127.0.0.1' });
    const child = spawn(process.execPath, [mainJs], { env: e, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        up = await fetch(`http://127.0.0.1:${port}/todos?limit=1`).then((r) => r.status === 200, () => false);
        if (!up) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(up, 'the gateway answered');
      const ready = spawnSync(process.execPath, [mainJs, '--ready'], { encoding: 'utf8', env: e });
      assert.equal(ready.status, 0, ready.stderr);
      assert.match(ready.stdout, /^OK: http:\/\/127\.0\.0\.1:\d+\/ready/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    const notReady = spawnSync(process.execPath, [mainJs, '--ready'], { encoding: 'utf8', env: e });
    assert.equal(notReady.status, 1);
  });
});
