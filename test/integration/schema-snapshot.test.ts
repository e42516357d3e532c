// The schema-cache snapshot against the real database: a full load writes it with the live
// catalog fingerprint; a gateway started from it serves at once (even with the database down)
// and, when the fingerprint still matches, never runs the full load; a corrupt file is ignored
// and replaced; a stale one is served until the live load swaps it and rewrites the file. The
// fingerprint itself moves with DDL, comments and role settings, not with ANALYZE.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config.js';
import { freePort } from '../../gateway/embedded.js';
import { decodeSnapshotFile, type RestoredSnapshot } from '../../gateway/snapshot.js';
import { findTable } from '../../planner/schema/model.js';
import { fingerprintQuery } from '../../planner/schema/snapshot.js';
import { request, sqlQuery, startTestGateway } from '../helpers/gateway.js';

const liveFingerprint = async (): Promise<string> => String(Object.values((await sqlQuery(fingerprintQuery, ['{api}']))[0]!)[0]);

function readBack(path: string): RestoredSnapshot {
  const restored = decodeSnapshotFile(readFileSync(path), ['api']);
  assert.ok(typeof restored !== 'string', `snapshot unreadable: ${String(restored)}`);
  return restored;
}

describe('schema-cache snapshot', () => {
  let dir: string;
  let path: string;
  const lines: string[] = [];
  const start = (options: { waitForSchema?: boolean } = {}): Promise<Gateway> =>
    startTestGateway({ PGRST_SCHEMA_CACHE_SNAPSHOT: path, PGRST_DB_CHANNEL_ENABLED: 'false' }, { log: (l) => lines.push(l), ...options });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'schema-snapshot-'));
    path = join(dir, 'schema.msgpack');
    await sqlQuery('drop table if exists api.snap_new, api.snap_probe cascade');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await sqlQuery('drop table if exists api.snap_new, api.snap_probe cascade; drop function if exists api.snap_probe_f(), api.snap_probe_tf()');
    await sqlQuery('alter role web_anon reset work_mem');
  });

  test('a full load writes the snapshot with the live catalog fingerprint', async () => {
    const gw = await start();
    try {
      assert.ok(existsSync(path));
      const snap = readBack(path);
      assert.equal(snap.fingerprint, await liveFingerprint());
      assert.deepEqual([...snap.cache.tables.keys()].sort(), [...gw.state.schemaCache!.tables.keys()].sort());
      assert.equal(gw.metrics.schemaCacheLoadsSuccess, 1);
    } finally {
      await gw.stop();
    }
  });

  test('a current snapshot serves at once and no full load runs', async () => {
    lines.length = 0;
    const gw = await start({ waitForSchema: false });
    try {
      // Restored before the server listened: nothing to wait for.
      assert.ok(gw.state.schemaCache !== null && findTable(gw.state.schemaCache, 'api', 'todos') !== undefined);
      assert.equal((await request(gw, 'GET', '/todos?select=id&order=id&limit=1')).status, 200);
      await gw.schemaLoaded;
      assert.equal(gw.metrics.schemaCacheLoadsSuccess, 0);
      assert.ok(lines.some((l) => /matches the live catalog/.test(l)), lines.join('\n'));
      const r = await request(gw, 'GET', '/emb_films?select=title,emb_directors(name)&id=eq.1');
      assert.deepEqual(r.json(), [{ title: 'Rashomon', emb_directors: { name: 'Kurosawa' } }]);
    } finally {
      await gw.stop();
    }
  });

  test('with the database down, the snapshot still answers from the cache alone', async () => {
    const config = loadConfig({
      env: {
        PGRST_DB_URI: `postgresql://nobody:pw@127.0.0.1:${await freePort()}/none`,
        PGRST_DB_SCHEMAS: 'api',
        PGRST_DB_ANON_ROLE: 'web_anon',
        PGRST_SERVER_HOST: '127.0.0.1',
        PGRST_SERVER_PORT: '0',
        PGRST_DB_CHANNEL_ENABLED: 'false',
        PGRST_SCHEMA_CACHE_SNAPSHOT: path,
        // follow-privileges asks the database what the role may use; this mode is the cache alone.
        PGRST_OPENAPI_MODE: 'ignore-privileges',
      },
    });
    const before = readFileSync(path);
    const gw = await startGateway(config, { log: () => undefined, accessLog: () => undefined, waitForSchema: false });
    try {
      // The OpenAPI root (ignore-privileges) never touches the pool: 200 from the snapshot, where no snapshot gives 503 PGRST002.
      const root = await request(gw, 'GET', '/');
      assert.equal(root.status, 200, root.text);
      assert.ok('/todos' in (root.json() as { paths: Record<string, unknown> }).paths);
      const todos = await request(gw, 'GET', '/todos');
      assert.notEqual((todos.json() as { code: string }).code, 'PGRST002');
    } finally {
      await gw.stop();
    }
    assert.deepEqual(readFileSync(path), before);
  });

  test('a corrupt snapshot is ignored with a log line, loaded normally and replaced', async () => {
    writeFileSync(path, Buffer.from('\x93\xa1not a snapshot at all'));
    lines.length = 0;
    const gw = await start();
    try {
      assert.ok(lines.some((l) => l.startsWith(`Ignoring the schema cache snapshot ${path}`)), lines.join('\n'));
      assert.equal(gw.metrics.schemaCacheLoadsSuccess, 1);
      assert.equal((await request(gw, 'GET', '/todos?select=id&limit=1')).status, 200);
      assert.equal(readBack(path).fingerprint, await liveFingerprint());
    } finally {
      await gw.stop();
    }
  });

  test('a stale snapshot is served until the live load replaces it, and the file is rewritten', async () => {
    const stale = readBack(path).fingerprint;
    await sqlQuery('create table api.snap_new (id int primary key, film_id int references api.emb_films(id)); grant select on api.snap_new to web_anon');
    await sqlQuery('insert into api.snap_new values (1, 3)');
    lines.length = 0;
    const gw = await start({ waitForSchema: false });
    try {
      assert.equal(findTable(gw.state.schemaCache!, 'api', 'snap_new'), undefined, 'the stale snapshot is what serves first');
      await gw.schemaLoaded;
      assert.ok(lines.some((l) => /snapshot is stale/.test(l)), lines.join('\n'));
      assert.equal(gw.metrics.schemaCacheLoadsSuccess, 1);
      const r = await request(gw, 'GET', '/snap_new?select=id,emb_films(title)');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), [{ id: 1, emb_films: { title: 'Cleo' } }]);
      const rewritten = readBack(path);
      assert.notEqual(rewritten.fingerprint, stale);
      assert.equal(rewritten.fingerprint, await liveFingerprint());
      assert.ok(findTable(rewritten.cache, 'api', 'snap_new') !== undefined);
    } finally {
      await gw.stop();
    }
  });

  test('the fingerprint moves with DDL, comments and role settings, not with ANALYZE', async () => {
    await sqlQuery('create table api.snap_probe (id int primary key)');
    const steps: [string, boolean][] = [
      ['analyze api.snap_probe', false],
      ['alter table api.snap_probe add column note text', true],
      ['alter table api.snap_probe alter column note set default $$x$$', true],
      ['alter table api.snap_probe rename column note to remark', true],
      ["comment on table api.snap_probe is 'probe'", true],
      ['create view api.snap_probe_v as select id from api.snap_probe', true],
      ['create or replace view api.snap_probe_v as select id, remark from api.snap_probe', true],
      ['create function api.snap_probe_f() returns int language sql as $$select 1$$', true],
      ['create function api.snap_probe_tf() returns trigger language plpgsql as $$begin return new; end$$', true],
      ['create trigger snap_probe_t instead of insert on api.snap_probe_v for each row execute function api.snap_probe_tf()', true],
      // relhastriggers is already set: only the pg_trigger row changes.
      ['create trigger snap_probe_u instead of update on api.snap_probe_v for each row execute function api.snap_probe_tf()', true],
      ['alter role web_anon set work_mem = $$8MB$$', true],
      ['select 1', false],
    ];
    let previous = await liveFingerprint();
    for (const [sql, moves] of steps) {
      await sqlQuery(sql);
      const now = await liveFingerprint();
      assert.equal(now !== previous, moves, `${sql}: ${moves ? 'should' : 'should not'} change the fingerprint`);
      previous = now;
    }
  });
});
