// Runs the schema-cache catalog queries (SQL from planner/schema/) through the pool and hands
// back their raw answers, which pure planner code decodes and a snapshot stores. The stored
// settings of the roles the authenticator can become are loaded alongside, as PostgREST does,
// and the catalog fingerprint when a snapshot is kept.

import { NO_COMMENTS, NO_TYPES, commentsQuery, computedRelationshipsQuery, decodeSchemaCache, fingerprintQuery, foreignKeysQuery, mediaHandlersQuery, typesQuery, routinesQuery, tablesQuery, viewsQuery, type CatalogAnswer, type SchemaCache } from '../planner/index.js';
import { PgError, type Pool, type QueryResult } from '../protocol/index.js';

/** The Postgres array literal for a list of names, sent as one text[] parameter. */
function textArray(names: readonly string[]): string {
  return '{' + names.map((n) => '"' + n.replace(/[\\"]/g, (c) => '\\' + c) + '"').join(',') + '}';
}

interface NamedQuery {
  /** What the query reads, for the log line when it fails. */
  readonly name: string;
  readonly text: string;
  readonly params: readonly string[];
}

/**
 * Runs catalog queries as one batch. A server error names the query it came from (the batch
 * stops at the failing statement, so the statements that completed count up to it), its
 * SQLSTATE and message: "permission denied for schema" alone does not say where to look.
 */
export async function runNamed(pool: Pool, queries: readonly NamedQuery[]): Promise<QueryResult[]> {
  try {
    return await pool.run(queries);
  } catch (err) {
    if (!(err instanceof PgError)) throw err;
    const failed = queries[err.completed.length]?.name ?? 'catalog';
    throw new Error(`the ${failed} catalog query failed with ${err.code}: ${err.message}`, { cause: err });
  }
}

/** One load's raw answers: what the schema cache and role settings decode from, and a snapshot stores. */
export interface CatalogLoad {
  /** The catalog fingerprint (fingerprintQuery), when asked for. */
  readonly fingerprint: string | null;
  readonly catalog: CatalogAnswer;
  readonly roleSettings: string;
}

const cellText = (r: { rows: (Buffer | null)[][] } | undefined): string | undefined => r?.rows[0]?.[0]?.toString('utf8');

/**
 * Runs the catalog queries as one batch. The fingerprint comes first: DDL landing between it
 * and the catalog queries leaves a snapshot newer than its fingerprint, which the next start
 * sees as stale and reloads; never the other way round.
 */
export async function fetchCatalog(pool: Pool, schemas: readonly string[], withFingerprint: boolean, extraSearchPath: readonly string[] = []): Promise<CatalogLoad> {
  const params = [textArray(schemas)];
  const named: readonly NamedQuery[] = [
    ...(withFingerprint ? [{ name: 'fingerprint', text: fingerprintQuery, params }] : []),
    { name: 'tables', text: tablesQuery, params },
    { name: 'foreign keys', text: foreignKeysQuery, params },
    // View lineage also runs through the views of db-extra-search-path, as PostgREST's.
    { name: 'views', text: viewsQuery, params: [textArray(schemas), textArray(extraSearchPath)] },
    { name: 'routines', text: routinesQuery, params },
    { name: 'computed relationships', text: computedRelationshipsQuery, params },
    { name: 'media handlers', text: mediaHandlersQuery, params },
    { name: 'comments', text: commentsQuery, params },
    { name: 'types', text: typesQuery, params },
    { name: 'role settings', text: roleSettingsQuery, params: [] },
  ];
  const results = await runNamed(pool, named);
  const cells = results.map(cellText);
  const fingerprint = withFingerprint ? cells.shift() ?? null : null;
  const [tables, foreignKeys, views, routines, computed, mediaHandlers, comments, types, roleSettings] = cells;
  if (tables === undefined || foreignKeys === undefined || views === undefined) throw new Error('schema cache query returned no rows');
  return { fingerprint, catalog: { tables, foreignKeys, views, routines: routines ?? '[]', computed: computed ?? '[]', mediaHandlers: mediaHandlers ?? '[]', comments: comments ?? NO_COMMENTS, types: types ?? NO_TYPES }, roleSettings: roleSettings ?? '[]' };
}

export async function loadSchemaCache(pool: Pool, schemas: readonly string[], extraSearchPath: readonly string[] = []): Promise<SchemaCache> {
  return decodeSchemaCache((await fetchCatalog(pool, schemas, false, extraSearchPath)).catalog);
}

/** The live catalog fingerprint alone: one query, to check a snapshot against. */
export async function fetchFingerprint(pool: Pool, schemas: readonly string[]): Promise<string> {
  const [result] = await runNamed(pool, [{ name: 'fingerprint', text: fingerprintQuery, params: [textArray(schemas)] }]);
  const fingerprint = cellText(result);
  if (fingerprint === undefined) throw new Error('the catalog fingerprint query returned no rows');
  return fingerprint;
}

// Settings of every role the authenticator is a member of (itself included), for this
// database or all databases; database-specific rows come last so they win. Only settings a
// non-superuser may change with set_config (context 'user', or custom `x.y` names) qualify.
export const roleSettingsQuery = `select coalesce(json_agg(json_build_array(r.rolname, s.setting) order by d.setdatabase, r.rolname), '[]')::text
from pg_catalog.pg_db_role_setting d
join pg_catalog.pg_roles r on r.oid = d.setrole
cross join lateral unnest(d.setconfig) as s(setting)
left join pg_catalog.pg_settings ps on ps.name = split_part(s.setting, '=', 1)
where d.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
  and pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')
  and (ps.context = 'user' or (ps.name is null and split_part(s.setting, '=', 1) like '%.%'))`;
