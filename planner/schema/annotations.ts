// What the schema cache carries for describing the API rather than serving it: comments on the
// exposed schemas, relations and columns (commentsQuery), enum labels and domain base types
// (typesQuery), decoded into lookups that decode.ts attaches to the tables and columns; and,
// from the same typesQuery answer, the data representations of domains, which do serve. Pure.

import { tableKey } from './model.js';
import { decodeRepresentations, type Representation } from './representations.js';
import { isRecord } from '../json.js';

export interface Annotations {
  readonly schemaDescriptions: ReadonlyMap<string, string>;
  /** By tableKey for a relation, tableKey + NUL + column for a column. */
  readonly comments: ReadonlyMap<string, string>;
  /** Labels by the enum type's name as format_type spells it (so as columns' types are). */
  readonly enums: ReadonlyMap<string, readonly string[]>;
  /** Built-in base types of domains, by the domain's name as format_type spells it. */
  readonly domains: ReadonlyMap<string, string>;
  /** Data representations (casts to/from json and from text) by the domain's name. */
  readonly representations: ReadonlyMap<string, Representation>;
}

export const NO_TYPES = '{"enums":{},"domains":{},"representations":[]}';

export const NO_COMMENTS = '{"schemas":{},"relations":[]}';

export const columnKey = (schema: string, table: string, column: string): string => tableKey(schema, table) + '\u0000' + column;

function fail(what: string): never {
  throw new Error(`schema cache: unexpected catalog data (${what})`);
}


export function decodeAnnotations(commentsJson: string, typesJson: string): Annotations {
  const c: unknown = JSON.parse(commentsJson);
  if (!isRecord(c) || !isRecord(c['schemas']) || !Array.isArray(c['relations'])) fail('comments');
  const schemaDescriptions = new Map<string, string>();
  for (const [name, text] of Object.entries(c['schemas'])) schemaDescriptions.set(name, typeof text === 'string' ? text : fail('schema comment'));
  const comments = new Map<string, string>();
  for (const row of c['relations'] as unknown[]) {
    if (!Array.isArray(row) || row.length !== 4) fail('comment');
    const [schema, rel, column, text] = row as unknown[];
    if (typeof schema !== 'string' || typeof rel !== 'string' || typeof text !== 'string') fail('comment');
    comments.set(typeof column === 'string' ? columnKey(schema, rel, column) : tableKey(schema, rel), text);
  }
  const t: unknown = JSON.parse(typesJson);
  if (!isRecord(t) || !isRecord(t['enums']) || !isRecord(t['domains'])) fail('types');
  const enums = new Map<string, readonly string[]>();
  for (const [type, labels] of Object.entries(t['enums'])) {
    if (!Array.isArray(labels) || !labels.every((l): l is string => typeof l === 'string')) fail('enum labels');
    enums.set(type, Object.freeze(labels));
  }
  const domains = new Map<string, string>();
  for (const [type, base] of Object.entries(t['domains'])) domains.set(type, typeof base === 'string' ? base : fail('domain base type'));
  return { schemaDescriptions, comments, enums, domains, representations: decodeRepresentations(t['representations']) };
}
