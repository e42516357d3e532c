// In-database configuration (db-config = true): the `pgrst.*` settings of the authenticator
// role (`ALTER ROLE authenticator SET pgrst.db_schemas = 'api'`) and those a db-pre-config
// function sets with set_config(…, true), read in one read-only statement as PostgREST does.
// Returns them by option name (`db-schemas`) for loadConfig's `db` input.

import { quoteIdent } from '../planner/index.js';
import type { Pool } from '../protocol/index.js';
import { IN_DB_OPTIONS, inDbName } from './config.js';

/** The Postgres array literal for the setting names, sent as one text[] parameter. */
const NAMES_PARAM = '{' + IN_DB_OPTIONS.map(inDbName).join(',') + '}';

// Role settings for this database win over those for all databases, and both over the
// pre-config function's values (PostgREST's ordering: database DESC NULLS LAST). The function
// runs in the same statement, so its transaction-local set_config values are visible to
// current_setting. The name is split at its first dot and quoted, as db-pre-request's is.
function settingsQuery(preConfig: string | null): string {
  const dot = preConfig === null ? -1 : preConfig.indexOf('.');
  const fn = preConfig === null ? '' : dot < 0 ? quoteIdent(preConfig) : quoteIdent(preConfig.slice(0, dot)) + '.' + quoteIdent(preConfig.slice(dot + 1));
  const fromFunction = preConfig === null ? '' : `
  union all
  select null::oid, x, pg_catalog.current_setting(x, true)
  from pg_catalog.unnest($1::text[]) x
  join ${fn}() _ on true`;
  return `with role_setting as (
  select setdatabase as database, pg_catalog.unnest(setconfig) as setting
  from pg_catalog.pg_db_role_setting
  where setrole = current_user::regrole::oid
    and setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_catalog))
), kv as (
  select database, pg_catalog.substr(setting, 1, pg_catalog.strpos(setting, '=') - 1) as k,
         pg_catalog.substr(setting, pg_catalog.strpos(setting, '=') + 1) as v
  from role_setting${fromFunction}
)
select coalesce(json_agg(json_build_array(key, value)), '[]')::text from (
  select distinct on (k) k as key, v as value from kv
  where k = any($1::text[]) and v is not null
  order by k, database desc nulls last
) s`;
}

/** Option name → value for every `pgrst.*` setting found. */
export async function loadDbSettings(pool: Pool, preConfig: string | null): Promise<Map<string, string>> {
  const [result] = await pool.run([{ text: settingsQuery(preConfig), params: [NAMES_PARAM] }]);
  const cell = result?.rows[0]?.[0];
  const out = new Map<string, string>();
  const parsed: unknown = JSON.parse(cell === undefined || cell === null ? '[]' : cell.toString('utf8'));
  if (!Array.isArray(parsed)) return out;
  for (const item of parsed) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || typeof item[1] !== 'string') continue;
    out.set(item[0].slice('pgrst.'.length).replace(/_/g, '-'), item[1]);
  }
  return out;
}
