// The catalog SQL the schema loader runs, as constants. Each takes the exposed schemas as
// $1 (a text[] parameter) and returns one JSON text value, decoded by decode.ts.

/**
 * The default of column `a` (pg_attribute) as SQL text, with `d` its pg_attrdef row and `ty` its
 * pg_type row: its own default, else its domain's; for an identity column BY DEFAULT the
 * `nextval` of its sequence, found through pg_depend and named from the catalogs, since
 * pg_get_serial_sequence resolves the table by name and needs USAGE on its schema, which an
 * unprivileged authenticator lacks. An ALWAYS identity or a generated column has none that a
 * statement may write, as PostgREST reads it.
 */
const columnDefault = `case
        when a.attidentity = 'd' then (
          select format('nextval(%L::regclass)', format('%I.%I', sn.nspname, s.relname))
          from pg_catalog.pg_depend dep
          join pg_catalog.pg_class s on s.oid = dep.objid and s.relkind = 'S'
          join pg_catalog.pg_namespace sn on sn.oid = s.relnamespace
          where dep.classid = 'pg_catalog.pg_class'::regclass and dep.refclassid = 'pg_catalog.pg_class'::regclass
            and dep.refobjid = a.attrelid and dep.refobjsubid = a.attnum and dep.deptype = 'i')
        when a.attidentity = 'a' or a.attgenerated <> '' then null
        when d.adbin is not null then pg_catalog.pg_get_expr(d.adbin, d.adrelid)
        when ty.typdefaultbin is not null then pg_catalog.pg_get_expr(ty.typdefaultbin, 0)
      end`;

/** Tables, views and their columns, primary keys and write capabilities. */
export const tablesQuery = `
select coalesce(json_agg(t), '[]')::text from (
  select
    n.nspname as schema,
    c.relname as name,
    case c.relkind when 'r' then 'table' when 'v' then 'view' when 'm' then 'materialized_view'
                   when 'f' then 'foreign_table' when 'p' then 'partitioned_table' end as kind,
    (c.relkind in ('r', 'p') or (c.relkind in ('v', 'f') and pg_catalog.pg_relation_is_updatable(c.oid::regclass, true) & 8 = 8)) as insertable,
    (c.relkind in ('r', 'p') or (c.relkind in ('v', 'f') and pg_catalog.pg_relation_is_updatable(c.oid::regclass, true) & 4 = 4)) as updatable,
    (c.relkind in ('r', 'p') or (c.relkind in ('v', 'f') and pg_catalog.pg_relation_is_updatable(c.oid::regclass, true) & 16 = 16)) as deletable,
    coalesce((
      select json_agg(a.attname order by k.ord)
      from pg_catalog.pg_constraint pk
      cross join lateral unnest(pk.conkey) with ordinality as k(attnum, ord)
      join pg_catalog.pg_attribute a on a.attrelid = pk.conrelid and a.attnum = k.attnum
      where pk.conrelid = c.oid and pk.contype = 'p'
    ), '[]') as primary_key,
    coalesce((
      select json_agg(json_build_object(
        'name', a.attname,
        'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
        'nullable', not a.attnotnull,
        'has_default', a.atthasdef or a.attidentity <> '' or ty.typdefaultbin is not null,
        'default', ${columnDefault}
      ) order by a.attnum)
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_type ty on ty.oid = a.atttypid
      left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    ), '[]') as columns
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'v', 'm', 'f', 'p')
    and not c.relispartition
    and n.nspname = any($1::text[])
  order by n.nspname, c.relname
) t`;

/** Foreign keys between exposed relations (composite keys in column order), with uniqueness. */
export const foreignKeysQuery = `
select coalesce(json_agg(f order by f.schema, f.table, f.constraint), '[]')::text from (
  select
    c.conname as constraint, ns.nspname as schema, cs.relname as table,
    nf.nspname as foreign_schema, cf.relname as foreign_table,
    (select json_agg(a.attname order by k.ord) from unnest(c.conkey) with ordinality as k(attnum, ord)
       join pg_catalog.pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum) as columns,
    (select json_agg(a.attname order by k.ord) from unnest(c.confkey) with ordinality as k(attnum, ord)
       join pg_catalog.pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.attnum) as foreign_columns,
    exists (select 1 from pg_catalog.pg_constraint u where u.conrelid = c.conrelid and u.contype in ('p', 'u')
       and u.conkey @> c.conkey and u.conkey <@ c.conkey) as unique
  from pg_catalog.pg_constraint c
  join pg_catalog.pg_class cs on cs.oid = c.conrelid
  join pg_catalog.pg_namespace ns on ns.oid = cs.relnamespace
  join pg_catalog.pg_class cf on cf.oid = c.confrelid
  join pg_catalog.pg_namespace nf on nf.oid = cf.relnamespace
  where c.contype = 'f' and c.conparentid = 0
    -- Private tables count too: views in the exposed schemas may expose their keys.
    and ns.nspname not in ('pg_catalog', 'information_schema') and $1::text[] is not null
) f`;

/**
 * Views and their stored query trees, plus the names, defaults and key membership of every
 * column those trees refer to. The views of db-extra-search-path's schemas ($2) are read too,
 * as PostgREST's allViewsKeyDependencies does: an exposed view over one of them reaches the
 * base tables (and their foreign keys) through it.
 */
export const viewsQuery = `
with v as (
  select n.nspname as schema, c.relname as name, r.ev_action::text as action
  from pg_catalog.pg_rewrite r
  join pg_catalog.pg_class c on c.oid = r.ev_class
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('v', 'm') and r.rulename = '_RETURN' and n.nspname = any($1::text[] || $2::text[])
), src as (
  select distinct m[1]::oid as oid from v, regexp_matches(v.action, ':resorigtbl (\\d+)', 'g') as m
)
select json_build_object(
  'views', coalesce((select json_agg(v order by v.schema, v.name) from v), '[]'),
  'columns', coalesce((
    select json_agg(json_build_array(a.attrelid::int8, n.nspname, c.relname, a.attnum, a.attname,
      ${columnDefault},
      exists (select 1 from pg_catalog.pg_constraint pk where pk.conrelid = a.attrelid and pk.contype = 'p' and a.attnum = any(pk.conkey))))
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_class c on c.oid = a.attrelid
    join pg_catalog.pg_type ty on ty.oid = a.atttypid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid in (select oid from src) and a.attnum > 0 and not a.attisdropped
  ), '[]')
)::text`;

/**
 * Computed relationships: one-argument functions of the exposed schemas taking a relation's
 * row type and returning a relation's row type (SETOF, or one row). ROWS 1 marks a SETOF
 * function as to-one, as PostgREST reads it.
 */
export const computedRelationshipsQuery = `
select coalesce(json_agg(r order by r.schema, r.name, r.table_schema, r.table), '[]')::text from (
  select n.nspname as schema, p.proname as name,
    an.nspname as table_schema, ac.relname as table,
    rn.nspname as foreign_schema, rc.relname as foreign_table,
    (not p.proretset or p.prorows = 1) as to_one
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  join pg_catalog.pg_class ac on ac.reltype = p.proargtypes[0] and ac.relkind in ('r', 'v', 'm', 'f', 'p')
  join pg_catalog.pg_namespace an on an.oid = ac.relnamespace
  join pg_catalog.pg_class rc on rc.reltype = p.prorettype and rc.relkind in ('r', 'v', 'm', 'f', 'p')
  join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
  where p.prokind = 'f' and p.pronargs = 1 and n.nspname = any($1::text[])
) r`;

/**
 * Comments on the exposed schemas, relations and their columns, in one pass over pg_description
 * (joined per column in tablesQuery they cost more than the rest of the columns' data), matched
 * to the relations in decode.ts: `{"schemas": {name: text}, "relations": [[schema, relation,
 * column or null, text], …]}`. Function comments come with routinesQuery.
 */
export const commentsQuery = `
select json_build_object(
  'schemas', coalesce((
    select json_object_agg(n.nspname, d.description)
    from pg_catalog.pg_namespace n
    join pg_catalog.pg_description d on d.objoid = n.oid and d.classoid = 'pg_catalog.pg_namespace'::regclass and d.objsubid = 0
    where n.nspname = any($1::text[])), '{}'),
  'relations', coalesce((
    select json_agg(json_build_array(n.nspname, c.relname, a.attname, d.description))
    from pg_catalog.pg_description d
    join pg_catalog.pg_class c on c.oid = d.objoid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid and d.objsubid > 0
    where d.classoid = 'pg_catalog.pg_class'::regclass and n.nspname = any($1::text[])
      and c.relkind in ('r', 'v', 'm', 'f', 'p') and (d.objsubid = 0 or a.attname is not null)), '[]')
)::text`;

/**
 * Enum labels and domain base types by type name (format_type, as the columns' types are
 * spelled): `{"enums": {type: [labels in sort order]}, "domains": {type: base type},
 * "representations": [[source, target, schema, function]]}`. One pass
 * each: a lookup per column in tablesQuery cost more than the rest of the columns. Domains map
 * to their base type (through domains over domains) only when it is a built-in one, as PostgREST
 * reports column types.
 */
export const typesQuery = `
select json_build_object(
  'enums', coalesce((
    select json_object_agg(l.type, l.labels) from (
      select pg_catalog.format_type(e.enumtypid, null) as type, json_agg(e.enumlabel order by e.enumsortorder) as labels
      from pg_catalog.pg_enum e
      where $1::text[] is not null
      group by e.enumtypid) l), '{}'),
  'domains', coalesce((
    -- Domains over domains are followed down to the first type that is not a domain.
    with recursive d(oid, base) as (
      select t.oid, t.typbasetype from pg_catalog.pg_type t where t.typtype = 'd'
      union all
      select d.oid, b.typbasetype from d join pg_catalog.pg_type b on b.oid = d.base where b.typtype = 'd')
    select json_object_agg(pg_catalog.format_type(d.oid, null), pg_catalog.format_type(d.base, null))
    from d
    join pg_catalog.pg_type b on b.oid = d.base
    where b.typtype <> 'd' and b.typnamespace = 'pg_catalog'::regnamespace), '{}'),
  -- Data representations, as PostgREST finds them: implicit casts through a function the
  -- authenticator may execute, from a domain to json, or from json or text to a domain.
  -- Rows [source type, target type, function schema, function name] (representations.ts).
  'representations', coalesce((
    select json_agg(json_build_array(pg_catalog.format_type(c.castsource, null), pg_catalog.format_type(c.casttarget, null), fn.nspname, p.proname) order by c.oid)
    from pg_catalog.pg_cast c
    join pg_catalog.pg_type s on s.oid = c.castsource
    join pg_catalog.pg_type t on t.oid = c.casttarget
    join pg_catalog.pg_proc p on p.oid = c.castfunc
    join pg_catalog.pg_namespace fn on fn.oid = p.pronamespace
    where c.castcontext = 'i' and c.castmethod = 'f' and pg_catalog.has_function_privilege(c.castfunc, 'execute')
      and ((s.typtype = 'd' and c.casttarget = 'pg_catalog.json'::pg_catalog.regtype)
        or (t.typtype = 'd' and c.castsource in ('pg_catalog.json'::pg_catalog.regtype, 'pg_catalog.text'::pg_catalog.regtype)))), '[]')
)::text`;
