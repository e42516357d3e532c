// Loads the schema cache through the pool (catalog SQL from planner/schema/queries.ts),
// decodes it with pure planner code and swaps it into the state whole. The stored settings
// of the roles the authenticator can become are loaded alongside, as PostgREST does.

import { NO_COMMENTS, NO_TYPES, decodeSchemaCache, typesQuery, foreignKeysQuery, routinesQuery, commentsQuery, tablesQuery, viewsQuery, type SchemaCache } from '../planner/index.js';
import type { Pool } from '../protocol/index.js';
import { decodeRoleSettings, type RoleSettings } from './context.js';

/** The Postgres array literal for a list of names, sent as one text[] parameter. */
function textArray(names: readonly string[]): string {
  return '{' + names.map((n) => '"' + n.replace(/[\\"]/g, (c) => '\\' + c) + '"').join(',') + '}';
}

export async function loadSchemaCache(pool: Pool, schemas: readonly string[]): Promise<SchemaCache> {
  const params = [textArray(schemas)];
  const results = await pool.run([
    { text: tablesQuery, params },
    { text: foreignKeysQuery, params },
    { text: viewsQuery, params },
    { text: routinesQuery, params },
    { text: commentsQuery, params },
    { text: typesQuery, params },
  ]);
  const cells = results.map((r) => r?.rows[0]?.[0]?.toString('utf8'));
  const [tables, fks, views, routines, comments, types] = cells;
  if (tables === undefined || fks === undefined || views === undefined) throw new Error('schema cache query returned no rows');
  return decodeSchemaCache(tables, fks, views, routines ?? '[]', comments ?? NO_COMMENTS, types ?? NO_TYPES);
}

// Settings of every role the authenticator is a member of (itself included), for this
// database or all databases; database-specific rows come last so they win. Only settings a
// non-superuser may change with set_config (context 'user', or custom `x.y` names) qualify.
const roleSettingsQuery = `select coalesce(json_agg(json_build_array(r.rolname, s.setting) order by d.setdatabase, r.rolname), '[]')::text
from pg_catalog.pg_db_role_setting d
join pg_catalog.pg_roles r on r.oid = d.setrole
cross join lateral unnest(d.setconfig) as s(setting)
left join pg_catalog.pg_settings ps on ps.name = split_part(s.setting, '=', 1)
where d.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
  and pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')
  and (ps.context = 'user' or (ps.name is null and split_part(s.setting, '=', 1) like '%.%'))`;

export async function loadRoleSettings(pool: Pool): Promise<RoleSettings> {
  const [result] = await pool.run([{ text: roleSettingsQuery, params: [] }]);
  const cell = result?.rows[0]?.[0];
  return decodeRoleSettings(cell === undefined || cell === null ? '[]' : cell.toString('utf8'));
}
