// Conditions → SQL: every filter operator, the any/all modifiers, `in` as one array
// parameter, values read through a column's data representation (text → domain), full-text
// search (non-tsvector columns wrapped in to_tsvector), negation and and/or trees. Operator
// text comes from closed tables here; values are always parameters.

import { convert, fieldSql, type Scope } from './fragments.js';
import { join, keyword, param, sql, type Sql } from './sql.js';
import type { Condition, Filter, FtsOperator, IsValue, PlainOperator, QuantOperator } from '../request/types.js';

const OPERATOR_SQL: Readonly<Record<QuantOperator | PlainOperator, string>> = {
  eq: '=',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'LIKE',
  ilike: 'ILIKE',
  match: '~',
  imatch: '~*',
  neq: '<>',
  isdistinct: 'IS DISTINCT FROM',
  cs: '@>',
  cd: '<@',
  ov: '&&',
  sl: '<<',
  sr: '>>',
  nxr: '&<',
  nxl: '&>',
  adj: '-|-',
};

const IS_SQL: Readonly<Record<IsValue, string>> = {
  null: 'IS NULL',
  not_null: 'IS NOT NULL',
  true: 'IS TRUE',
  false: 'IS FALSE',
  unknown: 'IS UNKNOWN',
};

const TSQUERY_SQL: Readonly<Record<FtsOperator, string>> = {
  fts: 'to_tsquery',
  plfts: 'plainto_tsquery',
  phfts: 'phraseto_tsquery',
  wfts: 'websearch_to_tsquery',
};

const vectorColumn = (scope: Scope, name: string): boolean => {
  const c = scope.table.columnsByName.get(name);
  return c !== undefined && (c.type === 'tsvector' || c.domainBase === 'tsvector');
};

/** An array literal for `= ANY($n)`: every element quoted and escaped. */
export function arrayLiteral(values: readonly string[]): string {
  return '{' + values.map((v) => '"' + v.replace(/[\\"]/g, (c) => '\\' + c) + '"').join(',') + '}';
}

/** like/ilike take `*` for `%` (URLs cannot carry a bare `%`). */
const patternValue = (op: QuantOperator | PlainOperator, value: string): string =>
  op === 'like' || op === 'ilike' ? value.replace(/\*/g, '%') : value;

function filterSql(scope: Scope, f: Filter): Sql {
  const o = f.operation;
  // `rel.is.null` / `rel.not.is.null` on an embed of the level tests whether it matched.
  const embed = o.kind === 'is' && (o.value === 'null' || o.value === 'not_null') && f.field.json.length === 0 ? scope.embeds?.get(f.field.name) : undefined;
  if (embed !== undefined && o.kind === 'is') {
    const absent = (o.value === 'null') !== f.negated;
    if (embed.toOne) return sql`${embed.body} ${keyword(absent ? 'IS NULL' : 'IS NOT NULL')}`;
    return sql`json_array_length(${embed.body}) ${keyword(absent ? '= 0' : '> 0')}`;
  }
  const col = fieldSql(scope, f.field);
  // A column whose domain reads text through a data representation gets its values that way
  // (PostgREST's rule: every operator with a value but like/ilike and full-text search).
  const parse = f.field.json.length === 0 && scope.table.parsesText === true ? scope.table.columnsByName.get(f.field.name)?.representation?.fromText : undefined;
  const value = (op: QuantOperator | PlainOperator, v: string): Sql =>
    parse === undefined || op === 'like' || op === 'ilike' ? param(patternValue(op, v)) : convert(parse, sql`${param(v)}::text`);
  let cond: Sql;
  switch (o.kind) {
    case 'compare':
      cond = sql`${col} ${keyword(OPERATOR_SQL[o.op])} ${value(o.op, o.value)}`;
      break;
    case 'quant':
      cond = sql`${col} ${keyword(OPERATOR_SQL[o.op])} ${keyword(o.quantifier === 'any' ? 'ANY' : 'ALL')} (${value(o.op, o.value)})`;
      break;
    case 'in':
      // Each element parsed, as one array parameter still (PostgREST's unnest).
      cond =
        parse === undefined
          ? sql`${col} = ANY (${param(arrayLiteral(o.values))})`
          : sql`${col} = ANY ((SELECT ${convert(parse, sql`unnest(${param(arrayLiteral(o.values))}::text[])`)}))`;
      break;
    case 'is':
      cond = sql`${col} ${keyword(IS_SQL[o.value])}`;
      break;
    case 'fts': {
      const lang = o.language === null ? null : sql`${param(o.language)}::regconfig, `;
      // tsvector columns, and domains over it, are searched as they are.
      const isVector = f.field.json.length === 0 && vectorColumn(scope, f.field.name);
      const vector = isVector ? col : lang === null ? sql`to_tsvector(${col})` : sql`to_tsvector(${lang}${col})`;
      const fn = keyword(TSQUERY_SQL[o.op]);
      const query = lang === null ? sql`${fn}(${param(o.value)})` : sql`${fn}(${lang}${param(o.value)})`;
      cond = sql`${vector} @@ ${query}`;
      break;
    }
  }
  return f.negated ? sql`NOT (${cond})` : cond;
}

export function conditionSql(scope: Scope, c: Condition): Sql {
  switch (c.kind) {
    case 'filter':
      return filterSql(scope, c.filter);
    case 'tree': {
      const inner = join(c.children.map((child) => conditionSql(scope, child)), c.op === 'and' ? ' AND ' : ' OR ');
      return c.negated ? sql`NOT (${inner})` : sql`(${inner})`;
    }
  }
}
