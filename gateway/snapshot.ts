// The schema-cache snapshot file (schema-cache-snapshot): msgpack in and out, an atomic write
// (temp file + rename, so a reader never sees half a file) and the read at start, where a
// missing, corrupt, old-format or foreign file is logged and ignored, never fatal. The model
// and its validation are pure, in planner/schema/snapshot.ts.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { Packr } from 'msgpackr';
import { checkSnapshot, commentsQuery, computedRelationshipsQuery, fingerprintQuery, foreignKeysQuery, mediaHandlersQuery, snapshotRecord, typesQuery, routinesQuery, tablesQuery, viewsQuery, type SchemaCache, type SchemaSnapshot } from '../planner/index.js';
import { decodeRoleSettings, type RoleSettings } from './context.js';
import { roleSettingsQuery } from './schema-loader.js';

// Plain msgpack maps (no msgpackr records), so any msgpack tool can read a snapshot.
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** Identifies the catalog SQL: a snapshot is only read by a gateway that asks the same questions. */
export const CATALOG_QUERIES_DIGEST = createHash('sha256')
  .update([fingerprintQuery, tablesQuery, foreignKeysQuery, viewsQuery, routinesQuery, computedRelationshipsQuery, mediaHandlersQuery, commentsQuery, typesQuery, roleSettingsQuery].join('\u0000'))
  .digest('hex');

export interface RestoredSnapshot {
  readonly fingerprint: string;
  readonly cache: SchemaCache;
  readonly roleSettings: RoleSettings;
}

export function encodeSnapshot(snapshot: SchemaSnapshot): Buffer {
  return packr.pack(snapshotRecord(snapshot));
}

/** Bytes → a usable snapshot for these db-schemas, or why not. Never throws. */
export function decodeSnapshotFile(bytes: Buffer, schemas: readonly string[]): RestoredSnapshot | string {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    return `not msgpack (${err instanceof Error ? err.message : String(err)})`;
  }
  const checked = checkSnapshot(value, { schemas, queries: CATALOG_QUERIES_DIGEST });
  if (!checked.ok) return checked.reason;
  let roleSettings: RoleSettings;
  try {
    roleSettings = decodeRoleSettings(checked.snapshot.roleSettings);
  } catch {
    return 'unreadable role settings';
  }
  return { fingerprint: checked.snapshot.fingerprint, cache: checked.cache, roleSettings };
}

/**
 * Reads the snapshot at start, synchronously so the cache is in place before the first
 * request can arrive. Null (with a log line saying why) when there is nothing usable.
 */
export function readSnapshot(path: string, schemas: readonly string[], log: (line: string) => void): RestoredSnapshot | null {
  const started = Date.now();
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    log(code === 'ENOENT' ? `No schema cache snapshot at ${path} yet` : `Could not read the schema cache snapshot ${path}: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
  const restored = decodeSnapshotFile(bytes, schemas);
  if (typeof restored === 'string') {
    log(`Ignoring the schema cache snapshot ${path}: ${restored}`);
    return null;
  }
  log(`Schema cache restored from the snapshot ${path} in ${Date.now() - started} ms (${restored.cache.tables.size} relations); checking it against the database`);
  return restored;
}

let tempCounter = 0;

/**
 * Writes the snapshot atomically: a temp file in the same directory, then rename over the old
 * one. Owner-only, as role settings may carry values not everyone should read.
 */
export async function writeSnapshot(path: string, snapshot: SchemaSnapshot): Promise<void> {
  const temp = `${path}.${process.pid}.${++tempCounter}.tmp`;
  try {
    await writeFile(temp, encodeSnapshot(snapshot), { mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
