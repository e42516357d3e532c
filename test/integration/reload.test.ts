// Schema-cache reloads: NOTIFY pgrst (and the reloadSchema entry point SIGUSR1 uses) make new
// tables visible without a restart while requests keep flowing; 503 PGRST002 before the first
// load.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway } from '../../gateway/app.js';
import { startGateway } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config.js';
import { freePort } from '../../gateway/embedded.js';
import { request, sqlQuery, startTestGateway } from '../helpers/gateway.js';

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('schema reload', () => {
  let gw: Gateway;
  before(async () => {
    await sqlQuery('drop table if exists api.reload_a, api.reload_b');
    gw = await startTestGateway();
  });
  after(async () => {
    await gw.stop();
    await sqlQuery('drop table if exists api.reload_a, api.reload_b');
  });

  test("NOTIFY pgrst, 'reload schema' picks up a new table", async () => {
    assert.equal((await request(gw, 'GET', '/reload_a')).status, 404);
    await sqlQuery('create table api.reload_a (id int primary key); grant select on api.reload_a to web_anon');
    await sqlQuery("notify pgrst, 'reload schema'");
    await eventually(async () => (await request(gw, 'GET', '/reload_a')).status === 200, 'reload_a to appear');
  });

  test('reloadSchema (SIGUSR1) swaps the cache while requests are in flight', async () => {
    await sqlQuery('create table api.reload_b (id int primary key); grant select on api.reload_b to web_anon');
    const inFlight = Array.from({ length: 50 }, () => request(gw, 'GET', '/todos?limit=1'));
    await gw.reloadSchema();
    const statuses = (await Promise.all(inFlight)).map((r) => r.status);
    assert.deepEqual(new Set(statuses), new Set([200]));
    assert.equal((await request(gw, 'GET', '/reload_b')).status, 200);
  });

  test('other payloads are ignored, an empty payload reloads', async () => {
    await sqlQuery('drop table api.reload_b');
    await sqlQuery("notify pgrst, 'something else'");
    await sqlQuery('notify pgrst');
    // The dropped table leaves the cache: the next request is a PGRST205, not a database 42P01.
    await eventually(async () => {
      const r = await request(gw, 'GET', '/reload_b');
      return r.status === 404 && (r.json() as { code: string }).code === 'PGRST205';
    }, 'reload_b to disappear');
  });
});

describe('before the first schema-cache load', () => {
  test('requests get 503 PGRST002 with Retry-After', async () => {
    const deadPort = await freePort();
    const config = loadConfig({
      env: {
        PGRST_DB_URI: `postgresql://nobody:pw@127.0.0.1:${deadPort}/none`,
        PGRST_DB_ANON_ROLE: 'web_anon',
        PGRST_SERVER_HOST: '127.0.0.1',
        PGRST_SERVER_PORT: '0',
        PGRST_DB_CHANNEL_ENABLED: 'false',
      },
    });
    const gw = await startGateway(config, { log: () => undefined, waitForSchema: false });
    try {
      const r = await request(gw, 'GET', '/todos');
      assert.equal(r.status, 503);
      assert.equal((r.json() as { code: string }).code, 'PGRST002');
      assert.ok(r.headers.get('retry-after') !== null);
    } finally {
      await gw.stop();
    }
  });
});
