// The request vocabulary: what a client asked for, as readonly discriminated unions.
// Produced by request.ts from URL + headers + body; says nothing about whether targets exist.
// Conditions are scoped by embed path (root = []) so resource embedding can add its own.

import type { EmbedParam } from './embed-params.js';
import type { MediaHandler } from '../schema/media-handlers.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'OPTIONS';

/** A JSON path step after a column: `->key`, `->>key`, `->0`. */
export interface JsonStep {
  readonly arrow: '->' | '->>';
  readonly key: string;
  readonly index: boolean;
}

export interface Field {
  readonly name: string;
  readonly json: readonly JsonStep[];
}

/** Operators that take one value and may carry the `(any)`/`(all)` modifier. */
export type QuantOperator = 'eq' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike' | 'match' | 'imatch';
/** Operators that take one value, no modifier. */
export type PlainOperator = 'neq' | 'isdistinct' | 'cs' | 'cd' | 'ov' | 'sl' | 'sr' | 'nxr' | 'nxl' | 'adj';
export type FtsOperator = 'fts' | 'plfts' | 'phfts' | 'wfts';
export type IsValue = 'null' | 'not_null' | 'true' | 'false' | 'unknown';
export type Quantifier = 'any' | 'all';

export type Operation =
  | { readonly kind: 'compare'; readonly op: QuantOperator | PlainOperator; readonly value: string }
  | { readonly kind: 'quant'; readonly op: QuantOperator; readonly quantifier: Quantifier; readonly value: string }
  | { readonly kind: 'in'; readonly values: readonly string[] }
  | { readonly kind: 'is'; readonly value: IsValue }
  | { readonly kind: 'fts'; readonly op: FtsOperator; readonly language: string | null; readonly value: string };

export interface Filter {
  readonly field: Field;
  readonly negated: boolean;
  readonly operation: Operation;
}

/** A filter or an `and(...)`/`or(...)` tree of them, nested to any depth. */
export type Condition =
  | { readonly kind: 'filter'; readonly filter: Filter }
  | { readonly kind: 'tree'; readonly op: 'and' | 'or'; readonly negated: boolean; readonly children: readonly Condition[] };

/** A condition applied at an embed path (`[]` is the top-level relation). */
export interface ScopedCondition {
  readonly path: readonly string[];
  readonly condition: Condition;
}

export type SelectItem =
  | { readonly kind: 'star' }
  | {
      readonly kind: 'field';
      readonly field: Field;
      readonly alias: string | null;
      readonly cast: string | null;
    }
  | {
      /**
       * `[alias:][field[::cast].]fn()[::cast]` (db-aggregates-enabled): the first cast applies
       * to the input, the second to the result; `field` is null only for a bare `count()`.
       */
      readonly kind: 'aggregate';
      readonly fn: AggregateFn;
      readonly field: Field | null;
      readonly inputCast: string | null;
      readonly alias: string | null;
      readonly cast: string | null;
    }
  | {
      /** `[alias:][...]name[!hint][!inner|!left](select)`: a related resource, embedded. */
      readonly kind: 'embed';
      readonly name: string;
      readonly alias: string | null;
      readonly hint: string | null;
      readonly join: 'inner' | 'left' | null;
      readonly spread: boolean;
      readonly select: readonly SelectItem[];
    };

export type AggregateFn = 'count' | 'sum' | 'avg' | 'min' | 'max';

export interface OrderTerm {
  readonly field: Field;
  /** `order=rel(field)`: the to-one embed whose column orders (its key), absent for own columns. */
  readonly relation?: string;
  readonly direction: 'asc' | 'desc' | null;
  readonly nulls: 'first' | 'last' | null;
}

export type ReturnPreference = 'minimal' | 'headers-only' | 'representation';
export type CountPreference = 'exact' | 'planned' | 'estimated';

export interface Preferences {
  readonly return: ReturnPreference | null;
  readonly count: CountPreference | null;
  readonly handling: 'strict' | 'lenient' | null;
  readonly resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
  readonly missing: 'default' | 'null' | null;
  readonly tx: 'commit' | 'rollback' | null;
  /** Prefer: max-affected=N (honoured only with handling=strict). */
  readonly maxAffected: number | null;
  /** Ours: Prefer: read=primary keeps a read off the db-read-uris replicas. */
  readonly read: 'primary' | null;
  /** `timezone=…`: the transaction's TimeZone (PostgreSQL validates it), as given. */
  readonly timezone: string | null;
  readonly invalid: readonly string[];
}

export type Action =
  | { readonly kind: 'read'; readonly headOnly: boolean }
  | { readonly kind: 'create' }
  | { readonly kind: 'update' }
  | { readonly kind: 'upsert' }
  | { readonly kind: 'delete' }
  /** `/rpc/fn`: GET/HEAD pass query arguments (read-only), POST a JSON object. */
  | { readonly kind: 'call'; readonly get: boolean; readonly headOnly: boolean; readonly args: Payload; readonly body: CallBody };

/**
 * How a POST body reaches a function: named arguments from JSON, a form or CSV (its first
 * row), or the whole body as one unnamed parameter of this type.
 */
export type CallBody = 'json' | 'form' | 'csv' | 'text' | 'xml' | 'bytea';

/** A JSON request body: the raw text (sent to PostgreSQL as one parameter) and its keys. */
export interface Payload {
  readonly json: string;
  readonly keys: readonly string[];
  readonly isArray: boolean;
  /**
   * `keys` are the `?columns=` list, not the body's: other keys of the body are no columns to
   * write (PostgREST reads only the listed ones), so the SQL never reads or type-checks them.
   */
  readonly listed?: true;
  /** Query-string or form arguments with a repeated name (its values an array until the function is known). */
  readonly repeated?: true;
  /** Query-string or form arguments: each name's (last) value, in `keys` order. */
  readonly values?: readonly string[];
}

/** EXPLAIN options of application/vnd.pgrst.plan (`options=analyze|verbose|…`). */
export type PlanOption = 'analyze' | 'verbose' | 'settings' | 'buffers' | 'wal';

/** A media type whose body PostgreSQL builds from the rows (the `for=` of a plan). */
export type BodyMedia =
  | { readonly kind: 'json' }
  | { readonly kind: 'csv' }
  | { readonly kind: 'array'; readonly stripNulls: boolean }
  | { readonly kind: 'object'; readonly stripNulls: boolean }
  /** PostGIS: a FeatureCollection built with ST_AsGeoJSON. */
  | { readonly kind: 'geojson' }
  /** A media type handler from the schema cache (chosen at plan time). */
  | { readonly kind: 'handler'; readonly handler: MediaHandler };

/** The response representation chosen from Accept. */
export type MediaType =
  | BodyMedia
  /** Beyond PostgREST: the JSON body, packed by the gateway. */
  | { readonly kind: 'msgpack' }
  /** EXPLAIN of the statement that would build `target`. */
  | { readonly kind: 'plan'; readonly format: 'text' | 'json'; readonly target: BodyMedia; readonly options: readonly PlanOption[] };

/** Rows requested: offset plus an optional row count (null = unbounded). */
export interface RowRange {
  readonly offset: number;
  readonly limit: number | null;
}

export interface ApiRequest {
  readonly action: Action;
  readonly schema: string;
  readonly relation: string;
  readonly select: readonly SelectItem[];
  readonly filters: readonly ScopedCondition[];
  readonly order: readonly OrderTerm[];
  /** Order, limit and offset of embeds (`rel.order=…`), by embed path. */
  readonly embedParams: readonly EmbedParam[];
  /** Set by the planner when an aliased embed was named by its table (url-use-legacy-target-names). */
  readonly legacyTargets?: readonly (readonly [string, string])[];
  /** limit/offset intersected with the Range header (GET only). */
  readonly range: RowRange;
  readonly media: MediaType;
  /** The Accept header as sent, for the planner's media type handlers (planner/plan/media-resolve.ts). */
  readonly accept: string | undefined;
  /**
   * Accept named a type the builtins do not produce before any they do: only the schema
   * cache's handlers can settle it, and `media` is a placeholder until the planner has.
   */
  readonly mediaPending: boolean;
  readonly preferences: Preferences;
  readonly payload: Payload | null;
  /** ?on_conflict= columns for an upsert (null: the primary key). */
  readonly onConflict: readonly string[] | null;
  /** Canonical query string, for Content-Location. */
  readonly canonicalQuery: string;
  /** Names of the query parameters and operators, values left out: the plan-cache key. */
  readonly shape: string;
  /** The select list uses aggregate functions somewhere (checked against db-aggregates-enabled). */
  readonly aggregates?: boolean;
}
