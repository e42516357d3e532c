// A real PostgreSQL stopped and started under load, on its own embedded cluster (fresh data
// directory, free port): requests get 503 with Retry-After while it is down, none hangs,
// and service resumes by itself once it is back.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config.js';
import { startEmbedded, type EmbeddedCluster } from '../../gateway/embedded.js';
import { request } from '../helpers/gateway.js';
import { freePort } from '../helpers/net.js';
import { eventually, noHang } from '../helpers/protocol.js';

describe('PostgreSQL stop and start under load', () => {
  let dataDir: string;
  let port: number;
  let cluster: EmbeddedCluster | null = null;
  let gw: Gateway | null = null;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-recovery-'));
    rmSync(dataDir, { recursive: true });
    port = await freePort();
    cluster = await startEmbedded({ dataDir, port });
    // PostgREST's canonical roles: an authenticator with no privileges of its own.
    await cluster.exec(`create role web_anon nologin; create role authenticator noinherit login password 'pw'; grant web_anon to authenticator;
      create schema api; grant usage on schema api to web_anon;
      create table api.things (id int primary key, name text); insert into api.things values (1, 'one'); grant select on api.things to web_anon`);
    const uri = new URL(cluster.superuserUri);
    uri.username = 'authenticator';
    uri.password = 'pw';
    const config = loadConfig({
      env: {
        PGRST_DB_URI: uri.toString(),
        PGRST_DB_SCHEMAS: 'api',
        PGRST_DB_ANON_ROLE: 'web_anon',
        PGRST_SERVER_HOST: '127.0.0.1',
        PGRST_SERVER_PORT: '0',
        PGRST_DB_POOL: '2',
      },
    });
    gw = await startGateway(config, { log: () => undefined, accessLog: () => undefined });
  });

  after(async () => {
    await gw?.stop();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('503 with Retry-After while down, then 200 again without a restart of the gateway', async () => {
    const g = gw!;
    assert.equal((await request(g, 'GET', '/things')).status, 200);
    const seen: { status: number; code: string | null; retryAfter: string | null; at: number }[] = [];
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const r = await noHang(request(g, 'GET', '/things?id=eq.1'), 15000, 'a request during the outage');
        const code = r.status === 200 ? null : (r.json() as { code: string }).code;
        seen.push({ status: r.status, code, retryAfter: r.headers.get('retry-after'), at: Date.now() });
        if (r.status !== 200) await new Promise((res) => setTimeout(res, 20));
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    try {
      await eventually(async () => seen.length > 20, 10000, 'load to start');
      await cluster!.stop();
      cluster = null;
      await eventually(async () => seen.some((s) => s.status === 503), 10000, 'a 503 while the database is down');
      cluster = await startEmbedded({ dataDir, port });
      const restarted = Date.now();
      await eventually(async () => seen.some((s) => s.status === 200 && s.at > restarted), 60000, 'service to resume');
    } finally {
      stop = true;
      await noHang(Promise.all(workers), 20000, 'workers');
    }
    for (const s of seen) {
      assert.ok(s.status === 200 || s.status === 503, `unexpected status ${s.status} (${s.code})`);
      if (s.status === 503) {
        assert.ok(s.code === 'PGRST000' || s.code === 'PGRST001', `503 with ${s.code}`);
        assert.match(s.retryAfter ?? '', /^[1-9]\d*$/);
      }
    }
  });
});
