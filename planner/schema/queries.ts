// The catalog SQL the schema loader runs, as constants. Each takes the exposed schemas as
// $1 (a text[] parameter) and returns one JSON text value, decoded by decode.ts.

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
        'has_default', a.atthasdef or a.attidentity <> '',
        'default', case when a.attidentity <> '' then format('nextval(%L::regclass)', pg_catalog.pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname))
                        else pg_catalog.pg_get_expr(d.adbin, d.adrelid) end
      ) order by a.attnum)
      from pg_catalog.pg_attribute a
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
