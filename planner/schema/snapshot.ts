// The schema-cache snapshot model (schema-cache-snapshot): what a gateway writes after each
// full load so the next process can serve before its own load finishes, the catalog
// fingerprint query that decides whether a snapshot still describes the live database, and the
// validation of a decoded snapshot. Pure: gateway/snapshot.ts does the msgpack and file I/O.
//
// A snapshot holds the catalog queries' answers, not the decoded cache: restoring runs the
// same decoder as a live load, so a snapshot can never yield a cache the current code would
// not build from the same catalog, and model changes need no snapshot-format change.

import { decodeSchemaCache, type CatalogAnswer } from './decode.js';
import type { SchemaCache } from './model.js';
import { isRecord } from '../json.js';

export const SNAPSHOT_FORMAT = 'pgrest-gateway/schema-cache-snapshot';
/** Bumped when the snapshot record's shape changes; older files are ignored, never misread. */
export const SNAPSHOT_VERSION = 4;

export interface SchemaSnapshot {
  /** fingerprintQuery's answer, taken before the catalog queries of the same load. */
  readonly fingerprint: string;
  /** db-schemas the load ran for. */
  readonly schemas: readonly string[];
  /** Digest of the catalog SQL that produced `catalog` (a new gateway version may ask differently). */
  readonly queries: string;
  readonly createdAt: string;
  readonly catalog: CatalogAnswer;
  /** The role-settings query's JSON text. */
  readonly roleSettings: string;
}

/** The value msgpack encodes: the snapshot tagged with its format and version. */
export function snapshotRecord(s: SchemaSnapshot): Record<string, unknown> {
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    fingerprint: s.fingerprint,
    schemas: [...s.schemas],
    queries: s.queries,
    createdAt: s.createdAt,
    catalog: { tables: s.catalog.tables, foreignKeys: s.catalog.foreignKeys, views: s.catalog.views, routines: s.catalog.routines, computed: s.catalog.computed, mediaHandlers: s.catalog.mediaHandlers, comments: s.catalog.comments, types: s.catalog.types },
    roleSettings: s.roleSettings,
  };
}

export type SnapshotCheck =
  | { readonly ok: true; readonly snapshot: SchemaSnapshot; readonly cache: SchemaCache }
  | { readonly ok: false; readonly reason: string };


/**
 * A decoded snapshot value → the snapshot and its schema cache, or why it cannot be used: not
 * a snapshot, another format version, written for other db-schemas or other catalog queries,
 * or a catalog answer the decoder rejects. Never throws.
 */
export function checkSnapshot(value: unknown, expected: { readonly schemas: readonly string[]; readonly queries: string }): SnapshotCheck {
  const no = (reason: string): SnapshotCheck => ({ ok: false, reason });
  if (!isRecord(value) || value['format'] !== SNAPSHOT_FORMAT) return no('not a schema-cache snapshot');
  if (value['version'] !== SNAPSHOT_VERSION) return no(`snapshot format version ${String(value['version'])}, expected ${SNAPSHOT_VERSION}`);
  const { fingerprint, schemas, queries, createdAt, catalog, roleSettings } = value;
  if (typeof fingerprint !== 'string' || fingerprint === '') return no('no fingerprint');
  if (!Array.isArray(schemas) || !schemas.every((s): s is string => typeof s === 'string')) return no('no schema list');
  if (typeof queries !== 'string' || typeof createdAt !== 'string' || typeof roleSettings !== 'string') return no('missing fields');
  if (!isRecord(catalog)) return no('no catalog');
  const { tables, foreignKeys, views, routines, computed, mediaHandlers, comments, types } = catalog;
  if (typeof tables !== 'string' || typeof foreignKeys !== 'string' || typeof views !== 'string' || typeof routines !== 'string' || typeof computed !== 'string' || typeof mediaHandlers !== 'string' || typeof comments !== 'string' || typeof types !== 'string') {
    return no('incomplete catalog');
  }
  if (schemas.length !== expected.schemas.length || schemas.some((s, i) => s !== expected.schemas[i])) {
    return no(`written for db-schemas "${schemas.join(',')}", configured "${expected.schemas.join(',')}"`);
  }
  if (queries !== expected.queries) return no('written by a gateway with other catalog queries');
  const snapshot: SchemaSnapshot = { fingerprint, schemas, queries, createdAt, catalog: { tables, foreignKeys, views, routines, computed, mediaHandlers, comments, types }, roleSettings };
  try {
    return { ok: true, snapshot, cache: decodeSchemaCache(snapshot.catalog) };
  } catch (err) {
    return no(err instanceof Error ? err.message : String(err));
  }
}

/**
 * One cheap query ($1 = db-schemas as text[]) whose answer changes whenever a catalog row the
 * schema cache is built from changes: every such row's oid (or key) and xmin, hashed. Any
 * INSERT/UPDATE/DELETE of a catalog row gives it a new xmin, so DDL wherever the loader looks
 * changes the hash — relations, columns, defaults, constraints, view rules, user triggers
 * (INSTEAD OF triggers make views writable; the internal ones behind foreign keys, most of
 * pg_trigger, are skipped), functions, types, enum labels, user casts (data representations), comments, role settings — while
 * statistics updates (in place, same xmin) do not. It reads only the system columns of those
 * rows, where the full load formats types, parses view trees and builds JSON for all of them.
 * Scopes follow the loader: relations, functions and types of the exposed schemas;
 * constraints, columns, defaults and rules of every user relation (oid >= 16384,
 * FirstNormalObjectId), as views may expose keys of private tables. A freeze by VACUUM can
 * turn an xmin into 2: a spurious mismatch, costing one full load, never a stale cache.
 * array_to_string puts '' in place of an empty group, so groups cannot shift.
 */
export const fingerprintQuery = `
with ns as (select oid from pg_catalog.pg_namespace where nspname = any($1::text[]))
select pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(pg_catalog.array_to_string(array[
  pg_catalog.current_setting('server_version_num'),
  (select d.oid::text from pg_catalog.pg_database d where d.datname = pg_catalog.current_database()),
  (select string_agg(n.nspname || ':' || n.oid::text || ':' || n.xmin::text, ',' order by n.nspname)
     from pg_catalog.pg_namespace n where n.oid in (select oid from ns)),
  (select string_agg(c.oid::text || ':' || c.xmin::text, ',' order by c.oid)
     from pg_catalog.pg_class c where c.relnamespace in (select oid from ns)),
  (select string_agg(a.attrelid::text || '.' || a.attnum::text || ':' || a.xmin::text, ',' order by a.attrelid, a.attnum)
     from pg_catalog.pg_attribute a where a.attrelid >= 16384 and a.attnum > 0),
  (select string_agg(x.oid::text || ':' || x.xmin::text, ',' order by x.oid) from pg_catalog.pg_attrdef x where x.oid >= 16384),
  (select string_agg(x.oid::text || ':' || x.xmin::text, ',' order by x.oid) from pg_catalog.pg_constraint x where x.oid >= 16384),
  (select string_agg(x.oid::text || ':' || x.xmin::text, ',' order by x.oid) from pg_catalog.pg_rewrite x where x.oid >= 16384),
  (select string_agg(x.oid::text || ':' || x.xmin::text, ',' order by x.oid) from pg_catalog.pg_trigger x where x.oid >= 16384 and not x.tgisinternal),
  (select string_agg(p.oid::text || ':' || p.xmin::text, ',' order by p.oid)
     from pg_catalog.pg_proc p where p.pronamespace in (select oid from ns)),
  (select string_agg(t.oid::text || ':' || t.xmin::text, ',' order by t.oid)
     from pg_catalog.pg_type t where t.typnamespace in (select oid from ns)),
  (select string_agg(e.oid::text || ':' || e.xmin::text, ',' order by e.oid)
     from pg_catalog.pg_enum e where e.enumtypid in (select t.oid from pg_catalog.pg_type t where t.typnamespace in (select oid from ns))),
  (select string_agg(x.oid::text || ':' || x.xmin::text, ',' order by x.oid) from pg_catalog.pg_cast x where x.oid >= 16384),
  (select string_agg(x.classoid::text || '.' || x.objoid::text || '.' || x.objsubid::text || ':' || x.xmin::text, ','
       order by x.classoid, x.objoid, x.objsubid)
     from pg_catalog.pg_description x where x.objoid >= 16384),
  (select string_agg(x.setdatabase::text || '.' || x.setrole::text || ':' || x.xmin::text, ',' order by x.setdatabase, x.setrole)
     from pg_catalog.pg_db_role_setting x)
], '|', ''), 'UTF8')), 'hex')`;
