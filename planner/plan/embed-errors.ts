// The embedding errors in PostgREST's exact wording: PGRST200 (no relationship), PGRST201
// (ambiguous, with the candidates as details and the `!hint` choices as hint) and PGRST108
// (a filter, order or limit on a resource that is not embedded), and the 42712 two embeds
// under one key get from PostgreSQL there.

import { apiError, type ApiError } from '../errors.js';
import type { Relationship } from '../schema/relationships.js';

export const noRelationship = (parent: string, child: string, hint: string | null, schema: string, suggestion: string | null): ApiError =>
  apiError(
    400,
    'PGRST200',
    `Could not find a relationship between '${parent}' and '${child}' in the schema cache`,
    `Searched for a foreign key relationship between '${parent}' and '${child}'${hint === null ? '' : ` using the hint '${hint}'`} in the schema '${schema}', but no matches were found.`,
    suggestion === null ? null : `Perhaps you meant '${suggestion}' instead of '${child}'.`,
  );

const cols = (names: readonly string[]): string => '(' + names.join(', ') + ')';

/** PostgREST's compressed description of one candidate relationship. */
export function describeRelationship(r: Relationship): { cardinality: string; embedding: string; relationship: string } {
  const embedding = `${r.table.name} with ${r.foreignTable.name}`;
  if (r.junction !== null) {
    const j = r.junction;
    return {
      cardinality: r.cardinality,
      embedding,
      relationship: `${j.table.name} using ${j.source.constraint}${cols(j.source.columns)} and ${j.target.constraint}${cols(j.target.columns)}`,
    };
  }
  return {
    cardinality: r.cardinality,
    embedding,
    relationship: `${r.constraint} using ${r.table.name}${cols(r.columns.map((c) => c[0]))} and ${r.foreignTable.name}${cols(r.columns.map((c) => c[1]))}`,
  };
}

export function ambiguousEmbed(parent: string, child: string, rels: readonly Relationship[]): ApiError {
  const choices = rels.map((r) => `'${r.foreignTable.name}!${r.junction === null ? r.constraint : r.junction.table.name}'`).join(', ');
  return {
    ...apiError(
      300,
      'PGRST201',
      `Could not embed because more than one relationship was found for '${parent}' and '${child}'`,
      null,
      `Try changing '${child}' to one of the following: ${choices}. Find the desired relationship in the 'details' key.`,
    ),
    detailsJson: rels.map(describeRelationship),
  };
}

/** PGRST108; `alias` when the name is the table of an aliased embed (url-use-legacy-target-names off). */
export const notEmbedded = (name: string, alias: string | null = null): ApiError =>
  alias === null
    ? apiError(400, 'PGRST108', `'${name}' is not an embedded resource in this request`, null, `Verify that '${name}' is included in the 'select' query parameter.`)
    : apiError(
        400,
        'PGRST108',
        `'${name}' is not an embedded resource in this request`,
        'Target names are not allowed in filters if they have an alias',
        `Change '${name}' to '${alias}' in filters, orders or limits.`,
      );

const notToOne = (origin: string, target: string): string => `'${origin}' and '${target}' do not form a many-to-one or one-to-one relationship`;

export const relatedOrderNotToOne = (origin: string, target: string): ApiError =>
  apiError(400, 'PGRST118', `A related order on '${target}' is not possible`, notToOne(origin, target));

/**
 * Two embeds of one level under one key: PostgREST's lateral joins share the alias
 * `<table>_<key>_<depth>`, and PostgreSQL's 42712 (400) is the answer.
 */
export const embedAliasTwice = (alias: string): ApiError =>
  apiError(400, '42712', `table name "${alias}" specified more than once`);
