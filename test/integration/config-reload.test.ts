// Config reloads (SIGUSR2's entry point and NOTIFY pgrst, 'reload config'): a valid new file
// applies at once (JWT secret, db-max-rows), an invalid one is refused and the old config kept.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Gateway } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config.js';
import { request, sqlQuery, startTestGateway } from '../helpers/gateway.js';

const SECRET_A = 'config-reload-secret-a-0123456789abcdef';
const SECRET_B = 'config-reload-secret-b-0123456789abcdef';

const token = (secret: string): Promise<string> =>
  new SignJWT({ role: 'web_anon' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

describe('config reload', () => {
  let dir: string;
  let file: string;
  let gw: Gateway;
  const write = (secret: string, extra = ''): void => writeFileSync(file, `jwt-secret = "${secret}"\n${extra}\n`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'config-reload-'));
    file = join(dir, 'gateway.conf');
    write(SECRET_A);
    // The connection settings come from the environment; the file carries what is reloaded.
    gw = await startTestGateway({ PGRST_JWT_SECRET: '' }, {
      loadConfig: () => loadConfig({ file, env: { ...baseEnv(gw) } }),
    });
  });
  after(async () => {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a new secret applies at once; tokens signed with the old one are refused', async () => {
    const a = await token(SECRET_A);
    const b = await token(SECRET_B);
    assert.equal(await gw.reloadConfig(), true);
    assert.equal((await request(gw, 'GET', '/todos?limit=1', { headers: { Authorization: `Bearer ${a}` } })).status, 200);
    write(SECRET_B);
    assert.equal(await gw.reloadConfig(), true);
    assert.equal((await request(gw, 'GET', '/todos?limit=1', { headers: { Authorization: `Bearer ${a}` } })).status, 401);
    assert.equal((await request(gw, 'GET', '/todos?limit=1', { headers: { Authorization: `Bearer ${b}` } })).status, 200);
  });

  test('an invalid file is refused and the old config stays', async () => {
    write(SECRET_B, 'db-max-rows = "lots"');
    assert.equal(await gw.reloadConfig(), false);
    const b = await token(SECRET_B);
    assert.equal((await request(gw, 'GET', '/todos?limit=1', { headers: { Authorization: `Bearer ${b}` } })).status, 200);
  });

  test("NOTIFY pgrst, 'reload config' re-reads the file", async () => {
    write(SECRET_B, 'db-max-rows = 1');
    await sqlQuery("notify pgrst, 'reload config'");
    let rows = -1;
    for (let i = 0; i < 100 && rows !== 1; i++) {
      rows = ((await request(gw, 'GET', '/todos')).json() as unknown[]).length;
      if (rows !== 1) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(rows, 1);
  });
});

/** The environment the test gateway was started with, so a reload keeps its connection settings. */
function baseEnv(gw: Gateway): Record<string, string> {
  const c = gw.state.config;
  return {
    PGRST_DB_URI: c.dbUri,
    PGRST_DB_SCHEMAS: c.dbSchemas.join(','),
    PGRST_DB_ANON_ROLE: c.dbAnonRole ?? '',
    PGRST_SERVER_HOST: c.serverHost,
    PGRST_SERVER_PORT: String(c.serverPort),
    PGRST_DB_POOL: String(c.dbPool),
  };
}
