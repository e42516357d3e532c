// The snapshot file and the start-up decision, without a database: msgpack round trip, corrupt,
// truncated and old-format files ignored with a reason, atomic writes, and the reloader keeping
// a restored cache whose fingerprint matches the live one while replacing (and rewriting) one
// whose fingerprint does not. The pool here is a stand-in that answers the catalog queries.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'msgpackr';
import { Authenticator } from '../../../gateway/auth.js';
import { loadConfig } from '../../../gateway/config.js';
import { Metrics } from '../../../gateway/metrics.js';
import { PlanCache } from '../../../gateway/plan-cache.js';
import { SchemaReloader } from '../../../gateway/reloader.js';
import { CATALOG_QUERIES_DIGEST, decodeSnapshotFile, encodeSnapshot, readSnapshot, writeSnapshot } from '../../../gateway/snapshot.js';
import type { AppState } from '../../../gateway/state.js';
import { NO_COMMENTS, NO_TYPES, commentsQuery, foreignKeysQuery, routinesQuery, tablesQuery, typesQuery, viewsQuery } from '../../../planner/index.js';
import { fingerprintQuery, snapshotRecord, type SchemaSnapshot } from '../../../planner/schema/snapshot.js';
import type { Pool } from '../../../protocol/index.js';
import { sampleSnapshot } from '../planner/snapshot-sample.js';

const snap: SchemaSnapshot = { ...sampleSnapshot, queries: CATALOG_QUERIES_DIGEST };

function withDir(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapshot-test-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

describe('snapshot file', () => {
  test('encode → decode gives the cache, role settings and fingerprint back', () => {
    const restored = decodeSnapshotFile(encodeSnapshot(snap), ['api']);
    assert.ok(typeof restored !== 'string', String(restored));
    assert.equal(restored.fingerprint, snap.fingerprint);
    assert.deepEqual([...restored.cache.tables.keys()], ['api\u0000films']);
    assert.deepEqual(restored.roleSettings.get('web_anon'), [['statement_timeout', '5s']]);
  });

  test('corrupt, truncated, foreign and old-format bytes are reasons, never exceptions', () => {
    const bytes = encodeSnapshot(snap);
    assert.match(String(decodeSnapshotFile(bytes.subarray(0, bytes.length - 10), ['api'])), /not msgpack/);
    assert.match(String(decodeSnapshotFile(Buffer.from('garbage that is not a snapshot'), ['api'])), /not a schema-cache snapshot|not msgpack/);
    assert.match(String(decodeSnapshotFile(Buffer.alloc(0), ['api'])), /not msgpack/);
    assert.match(String(decodeSnapshotFile(pack({ ...snapshotRecord(snap), version: 0 }), ['api'])), /format version 0/);
    assert.match(String(decodeSnapshotFile(pack({ ...snapshotRecord(snap), roleSettings: '{nope' }), ['api'])), /role settings/);
    assert.match(String(decodeSnapshotFile(encodeSnapshot({ ...snap, queries: 'older' }), ['api'])), /other catalog queries/);
    assert.match(String(decodeSnapshotFile(bytes, ['other'])), /db-schemas/);
  });

  test('writeSnapshot replaces the file atomically and leaves no temp file', withDir(async (dir) => {
    const path = join(dir, 'schema.msgpack');
    writeFileSync(path, 'old contents');
    await writeSnapshot(path, snap);
    assert.deepEqual(readdirSync(dir), ['schema.msgpack']);
    assert.deepEqual(readFileSync(path), encodeSnapshot(snap));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await assert.rejects(writeSnapshot(join(dir, 'missing-dir', 'x.msgpack'), snap));
    assert.deepEqual(readdirSync(dir), ['schema.msgpack']);
  }));

  test('readSnapshot logs why it returns nothing', withDir((dir) => {
    const lines: string[] = [];
    const log = (l: string): number => lines.push(l);
    assert.equal(readSnapshot(join(dir, 'absent.msgpack'), ['api'], log), null);
    writeFileSync(join(dir, 'bad.msgpack'), Buffer.from([0xc1, 0xff, 0x00]));
    assert.equal(readSnapshot(join(dir, 'bad.msgpack'), ['api'], log), null);
    writeFileSync(join(dir, 'good.msgpack'), encodeSnapshot(snap));
    assert.ok(readSnapshot(join(dir, 'good.msgpack'), ['api'], log) !== null);
    assert.match(lines[0]!, /No schema cache snapshot at .*absent\.msgpack/);
    assert.match(lines[1]!, /Ignoring the schema cache snapshot .*bad\.msgpack/);
    assert.match(lines[2]!, /restored from the snapshot .*good\.msgpack .*1 relations/);
  }));
});

/** A stand-in pool answering the catalog queries from a fixed catalog and fingerprint. */
function catalogPool(fingerprint: string, tables: string): { pool: Pool; batches: string[][] } {
  const answers = new Map<string, string>([
    [fingerprintQuery, fingerprint],
    [tablesQuery, tables],
    [foreignKeysQuery, '[]'],
    [viewsQuery, '{"views":[],"columns":[]}'],
    [routinesQuery, '[]'],
    [commentsQuery, NO_COMMENTS],
    [typesQuery, NO_TYPES],
  ]);
  const batches: string[][] = [];
  const pool = {
    run: async (queries: readonly { text: string }[]) => {
      batches.push(queries.map((q) => (q.text === fingerprintQuery ? 'fingerprint' : q.text === tablesQuery ? 'tables' : 'other')));
      return queries.map((q) => ({ rows: [[Buffer.from(answers.get(q.text) ?? '[]')]], command: 'SELECT' }));
    },
    clearStatementCaches: () => undefined,
  };
  return { pool: pool as unknown as Pool, batches };
}

function restoredState(pool: Pool, path: string): AppState {
  const config = loadConfig({ env: { PGRST_SCHEMA_CACHE_SNAPSHOT: path, PGRST_DB_SCHEMAS: 'api' } });
  const restored = readSnapshot(path, config.dbSchemas, () => undefined);
  assert.ok(restored !== null);
  return { config, auth: new Authenticator(config), pool, schemaCache: restored.cache, roleSettings: restored.roleSettings, planCache: new PlanCache(10) };
}

const liveTables = JSON.stringify([{ ...JSON.parse(sampleSnapshot.catalog.tables)[0], name: 'films_live' }]);

describe('start-up with a restored snapshot', () => {
  test('a matching fingerprint keeps the restored cache: one query, no full load', withDir(async (dir) => {
    const path = join(dir, 's.msgpack');
    await writeSnapshot(path, snap);
    const { pool, batches } = catalogPool(snap.fingerprint, liveTables);
    const state = restoredState(pool, path);
    const restoredCache = state.schemaCache;
    const metrics = new Metrics();
    await new SchemaReloader(state, metrics, () => undefined, snap.fingerprint).initial();
    assert.deepEqual(batches, [['fingerprint']]);
    assert.equal(state.schemaCache, restoredCache);
    assert.equal(metrics.schemaCacheLoadsSuccess, 0);
  }));

  test('a stale fingerprint: a full load swaps the cache and rewrites the snapshot', withDir(async (dir) => {
    const path = join(dir, 's.msgpack');
    await writeSnapshot(path, snap);
    const { pool, batches } = catalogPool('live-fingerprint', liveTables);
    const state = restoredState(pool, path);
    const metrics = new Metrics();
    await new SchemaReloader(state, metrics, () => undefined, snap.fingerprint).initial();
    // The check, then one batch with the fingerprint ahead of the catalog queries.
    assert.deepEqual(batches.map((b) => b.slice(0, 2)), [['fingerprint'], ['fingerprint', 'tables']]);
    assert.deepEqual([...(state.schemaCache?.tables.keys() ?? [])], ['api\u0000films_live']);
    assert.equal(metrics.schemaCacheLoadsSuccess, 1);
    const rewritten = decodeSnapshotFile(readFileSync(path), ['api']);
    assert.ok(typeof rewritten !== 'string');
    assert.equal(rewritten.fingerprint, 'live-fingerprint');
    assert.deepEqual([...rewritten.cache.tables.keys()], ['api\u0000films_live']);
  }));
});
