// The quick start on a fresh PostgreSQL of its own, set up word for word as PostgREST's docs
// say (shared/seeds/003: an authenticator NOINHERIT LOGIN with no privileges, USAGE on the API
// schema for the request roles only) plus a table with an identity column: the whole tour runs.
// And a schema-cache load that fails names its catalog query and SQLSTATE, then retries.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config.js';
import { startEmbedded, type EmbeddedCluster } from '../../gateway/embedded.js';
import { request } from '../helpers/gateway.js';
import { freePort } from '../helpers/net.js';
import { eventually } from '../helpers/protocol.js';

const SECRET = 'a-long-random-key-a-long-random-key';

// Verbatim from the docs, then the tutorial's embedding, RPC and RLS steps, then the one
// addition that took the whole API down: an identity column.
const SETUP = `
CREATE ROLE web_anon NOLOGIN;
CREATE ROLE authenticator NOINHERIT LOGIN PASSWORD 'pw';
GRANT web_anon TO authenticator;
CREATE SCHEMA api;
CREATE TABLE api.todos (
id bigserial PRIMARY KEY,
title text NOT NULL,
done boolean NOT NULL DEFAULT false,
created_at timestamptz NOT NULL DEFAULT now()
);
GRANT USAGE ON SCHEMA api TO web_anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON api.todos TO web_anon;
GRANT USAGE, SELECT ON SEQUENCE api.todos_id_seq TO web_anon;
CREATE TABLE api.users (id bigserial PRIMARY KEY, name text);
ALTER TABLE api.todos ADD COLUMN user_id bigint REFERENCES api.users(id);
GRANT SELECT ON api.users TO web_anon;
CREATE FUNCTION api.complete_all_for_user(p_user bigint)
RETURNS bigint LANGUAGE sql AS $$
WITH u AS (UPDATE api.todos SET done = true WHERE user_id = p_user RETURNING 1) SELECT count(*) FROM u;
$$;
GRANT EXECUTE ON FUNCTION api.complete_all_for_user(bigint) TO web_anon;
CREATE ROLE web_user;
GRANT web_user TO authenticator;
GRANT USAGE ON SCHEMA api TO web_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON api.todos TO web_user;
ALTER TABLE api.todos ENABLE ROW LEVEL SECURITY;
CREATE POLICY todos_anon ON api.todos TO web_anon USING (true) WITH CHECK (true);
CREATE POLICY todos_isolation ON api.todos TO web_user
USING (user_id::text = current_setting('request.jwt.claims', true)::json->>'user_id')
WITH CHECK (user_id::text = current_setting('request.jwt.claims', true)::json->>'user_id');
CREATE TABLE api.notes (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);
GRANT SELECT, INSERT ON api.notes TO web_anon;
COMMENT ON TABLE api.notes IS 'Short notes';
-- In-database config and role settings, read by the authenticator from the catalogs.
ALTER ROLE authenticator SET pgrst.server_timing_enabled = 'true';
ALTER ROLE web_user SET statement_timeout = '4s';
CREATE FUNCTION api.show_timeout() RETURNS text LANGUAGE sql STABLE AS $$ SELECT current_setting('statement_timeout') $$;
INSERT INTO api.users (name) VALUES ('ada'), ('alan');
INSERT INTO api.todos (title, user_id) VALUES ('finish tutorial 0', 1), ('pat self on back', 2);
`;

describe('fresh PostgreSQL with PostgREST documented roles', () => {
  let dataDir: string;
  let cluster: EmbeddedCluster | null = null;
  let gw: Gateway | null = null;
  const logs: string[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-fresh-'));
    rmSync(dataDir, { recursive: true });
    cluster = await startEmbedded({ dataDir, port: await freePort() });
    await cluster.exec(SETUP);
    // The failure case first: with pg_proc unreadable the routines query cannot run.
    await cluster.exec('REVOKE SELECT ON pg_catalog.pg_proc FROM PUBLIC');
    const uri = new URL(cluster.superuserUri);
    uri.username = 'authenticator';
    uri.password = 'pw';
    const env = {
        PGRST_DB_URI: uri.toString(),
        PGRST_DB_SCHEMAS: 'api',
        PGRST_DB_ANON_ROLE: 'web_anon',
        PGRST_JWT_SECRET: SECRET,
        PGRST_SERVER_HOST: '127.0.0.1',
        PGRST_SERVER_PORT: '0',
        PGRST_DB_POOL: '2',
    };
    const load = (db?: ReadonlyMap<string, string>) => loadConfig({ env, ...(db === undefined ? {} : { db }) });
    // Not waiting for the first load: it cannot succeed until the first test grants pg_proc back.
    gw = await startGateway(load(), { log: (l) => logs.push(l), accessLog: () => undefined, waitForSchema: false, loadConfig: load });
  });

  after(async () => {
    await gw?.stop();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a failed load names the catalog query, SQLSTATE and message; retries go on', async () => {
    const g = gw!;
    await eventually(async () => logs.some((l) => l.includes('routines catalog query failed with 42501')), 15000, 'the failed-load log line');
    const line = logs.find((l) => l.includes('routines catalog query'));
    assert.match(line ?? '', /permission denied for table pg_proc/);
    assert.equal((await request(g, 'GET', '/todos')).status, 503);
    await cluster!.exec('GRANT SELECT ON pg_catalog.pg_proc TO PUBLIC');
    await eventually(async () => (await request(g, 'GET', '/todos')).status === 200, 30000, 'the retried schema load');
  });

  test('the tour: list, filter, insert, update, delete', async () => {
    const g = gw!;
    const list = await request(g, 'GET', '/todos?select=title&order=id');
    assert.deepEqual(list.json(), [{ title: 'finish tutorial 0' }, { title: 'pat self on back' }]);
    const filtered = await request(g, 'GET', '/todos?done=eq.false&order=created_at.desc&limit=10');
    assert.equal(filtered.status, 200);
    assert.equal((filtered.json() as unknown[]).length, 2);
    const json = { 'Content-Type': 'application/json' };
    const ins = await request(g, 'POST', '/todos', { headers: { ...json, Prefer: 'return=representation' }, body: '{"title": "Buy milk"}' });
    assert.equal(ins.status, 201, ins.text);
    const [milk] = ins.json() as { id: number; done: boolean }[];
    assert.equal(milk?.done, false);
    assert.equal((await request(g, 'PATCH', `/todos?id=eq.${milk?.id}`, { headers: json, body: '{"done": true}' })).status, 204);
    assert.deepEqual((await request(g, 'GET', `/todos?id=eq.${milk?.id}&select=done`)).json(), [{ done: true }]);
    assert.equal((await request(g, 'DELETE', `/todos?id=eq.${milk?.id}`)).status, 204);
    assert.deepEqual((await request(g, 'GET', `/todos?id=eq.${milk?.id}`)).json(), []);
  });

  test('embedding, RPC and the identity-column table', async () => {
    const g = gw!;
    const embed = await request(g, 'GET', '/todos?select=title,user:users(name)&order=id&limit=1');
    assert.deepEqual(embed.json(), [{ title: 'finish tutorial 0', user: { name: 'ada' } }]);
    const rpc = await request(g, 'POST', '/rpc/complete_all_for_user', { headers: { 'Content-Type': 'application/json' }, body: '{"p_user": 1}' });
    assert.equal(rpc.status, 200, rpc.text);
    assert.equal(rpc.json(), 1);
    const note = await request(g, 'POST', '/notes', { headers: { 'Content-Type': 'application/json', Prefer: 'return=representation' }, body: '{"body": "hi"}' });
    assert.equal(note.status, 201, note.text);
    assert.deepEqual(note.json(), [{ id: 1, body: 'hi' }]);
  });

  test('in-database config, role settings, comments and OpenAPI from the catalogs alone', async () => {
    const g = gw!;
    const r = await request(g, 'GET', '/todos?limit=1');
    assert.match(r.headers.get('server-timing') ?? '', /dur=/);
    const token = await new SignJWT({ role: 'web_user', user_id: 2 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    const timeout = await request(g, 'GET', '/rpc/show_timeout', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(timeout.status, 200, timeout.text);
    assert.equal(timeout.json(), '4s');
    const root = await request(g, 'GET', '/');
    assert.equal(root.status, 200);
    const spec = root.json() as { paths: Record<string, unknown>; definitions: Record<string, { description?: string }> };
    for (const p of ['/todos', '/users', '/notes', '/rpc/complete_all_for_user', '/rpc/show_timeout']) assert.ok(p in spec.paths, p);
    assert.equal(spec.definitions['notes']?.description, 'Short notes');
  });

  test('JWT role and row-level security', async () => {
    const g = gw!;
    const token = await new SignJWT({ role: 'web_user', user_id: 2 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    const mine = await request(g, 'GET', '/todos?select=title', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.json(), [{ title: 'pat self on back' }]);
    const users = await request(g, 'GET', '/users', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(users.status, 403);
    const wrongOwner = await request(g, 'POST', '/todos', {
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{"title": "not mine", "user_id": 1}',
    });
    assert.equal(wrongOwner.status, 403);
    assert.equal((wrongOwner.json() as { code: string }).code, '42501');
  });
});
