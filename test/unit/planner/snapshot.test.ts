// The schema-cache snapshot model: a snapshot record validates back into the same schema cache
// a live load decodes from the same catalog answer, and every unusable record (not a snapshot,
// other version, other db-schemas or catalog queries, a catalog the decoder rejects) is turned
// away with a reason instead of throwing.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSchemaCache } from '../../../planner/schema/decode.js';
import { checkSnapshot, snapshotRecord, SNAPSHOT_VERSION } from '../../../planner/schema/snapshot.js';
import { filmsTables } from './films-schema.js';
import { sampleSnapshot } from './snapshot-sample.js';


const expected = { schemas: ['api'], queries: 'q1' };

const reason = (value: unknown, exp = expected): string => {
  const checked = checkSnapshot(value, exp);
  assert.equal(checked.ok, false);
  return checked.ok ? '' : checked.reason;
};

describe('schema-cache snapshot model', () => {
  test('a record checks back into the snapshot and the cache a live load decodes', () => {
    // Through JSON, as through msgpack: only plain data survives.
    const checked = checkSnapshot(JSON.parse(JSON.stringify(snapshotRecord(sampleSnapshot))), expected);
    assert.ok(checked.ok);
    assert.deepEqual(checked.snapshot, sampleSnapshot);
    assert.deepEqual(checked.cache, decodeSchemaCache(sampleSnapshot.catalog));
    assert.ok(checked.cache.tables.get('api\u0000films')?.columnsByName.has('title'));
  });

  test('values that are not snapshots', () => {
    for (const v of [null, 42, 'x', [], { format: 'something else', version: SNAPSHOT_VERSION }]) {
      assert.match(reason(v), /not a schema-cache snapshot/);
    }
  });

  test('an older or newer format version is ignored', () => {
    assert.match(reason({ ...snapshotRecord(sampleSnapshot), version: 0 }), new RegExp(`format version 0, expected ${SNAPSHOT_VERSION}`));
    assert.match(reason({ ...snapshotRecord(sampleSnapshot), version: SNAPSHOT_VERSION + 1 }), /format version/);
  });

  test('missing or mistyped fields', () => {
    const rec = snapshotRecord(sampleSnapshot);
    assert.match(reason({ ...rec, fingerprint: '' }), /no fingerprint/);
    assert.match(reason({ ...rec, fingerprint: 7 }), /no fingerprint/);
    assert.match(reason({ ...rec, schemas: 'api' }), /no schema list/);
    assert.match(reason({ ...rec, roleSettings: undefined }), /missing fields/);
    assert.match(reason({ ...rec, catalog: [] }), /no catalog/);
    assert.match(reason({ ...rec, catalog: { ...sampleSnapshot.catalog, views: null } }), /incomplete catalog/);
  });

  test('written for other db-schemas or by other catalog queries', () => {
    const rec = snapshotRecord(sampleSnapshot);
    assert.match(reason(rec, { schemas: ['api', 'v2'], queries: 'q1' }), /written for db-schemas "api", configured "api,v2"/);
    assert.match(reason(rec, { schemas: ['v2'], queries: 'q1' }), /db-schemas/);
    assert.match(reason(rec, { schemas: ['api'], queries: 'q2' }), /other catalog queries/);
  });

  test('a catalog answer the decoder rejects is a reason, not an exception', () => {
    const rec = snapshotRecord(sampleSnapshot);
    assert.match(reason({ ...rec, catalog: { ...sampleSnapshot.catalog, tables: '[{"schema":"api"' } }), /JSON|Unexpected|Expected/);
    const bogusKind = JSON.stringify([{ ...JSON.parse(filmsTables)[0], kind: 'bogus' }]);
    assert.match(reason({ ...rec, catalog: { ...sampleSnapshot.catalog, tables: bogusKind } }), /unexpected catalog data \(kind\)/);
  });
});
