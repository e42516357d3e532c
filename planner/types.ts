// The request vocabulary: what a client asked for, as readonly discriminated unions.
// Produced by request.ts from URL + headers + body; says nothing about whether targets exist.

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

export type SimpleOperator = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike';

export type IsValue = 'null' | 'not_null' | 'true' | 'false' | 'unknown';

export type Operation =
  | { readonly kind: 'simple'; readonly op: SimpleOperator; readonly value: string }
  | { readonly kind: 'in'; readonly values: readonly string[] }
  | { readonly kind: 'is'; readonly value: IsValue };

export interface Filter {
  readonly field: Field;
  readonly negated: boolean;
  readonly operation: Operation;
}

export type SelectItem =
  | { readonly kind: 'star' }
  | {
      readonly kind: 'field';
      readonly field: Field;
      readonly alias: string | null;
      readonly cast: string | null;
    };

export interface OrderTerm {
  readonly field: Field;
  readonly direction: 'asc' | 'desc' | null;
  readonly nulls: 'first' | 'last' | null;
}

export type ReturnPreference = 'minimal' | 'headers-only' | 'representation';
export type CountPreference = 'exact' | 'planned' | 'estimated';

export interface Preferences {
  readonly return: ReturnPreference | null;
  readonly count: CountPreference | null;
  readonly handling: 'strict' | 'lenient' | null;
  readonly invalid: readonly string[];
}

export type Action =
  | { readonly kind: 'read'; readonly headOnly: boolean }
  | { readonly kind: 'create' }
  | { readonly kind: 'update' }
  | { readonly kind: 'delete' };

/** A JSON request body: the raw text (sent to PostgreSQL as one parameter) and its keys. */
export interface Payload {
  readonly json: string;
  readonly keys: readonly string[];
  readonly isArray: boolean;
}

export interface ApiRequest {
  readonly action: Action;
  readonly schema: string;
  readonly relation: string;
  readonly select: readonly SelectItem[];
  readonly filters: readonly Filter[];
  readonly order: readonly OrderTerm[];
  readonly limit: number | null;
  readonly offset: number;
  readonly preferences: Preferences;
  readonly payload: Payload | null;
  /** Names of the query parameters and operators, values left out: the plan-cache key. */
  readonly shape: string;
}
