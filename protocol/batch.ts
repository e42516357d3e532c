// One pipelined batch as its connection tracks it: the queries sent (Parse/Bind/Execute × n,
// then Sync), the results filled in as the replies arrive, which Parses are still unanswered,
// the statements it binds, and its retry and cancel state. The queue that sends batches and
// matches replies to them is connection.ts.

import type { PgError } from './errors.js';
import type { CachedStatement } from './statement-cache.js';

export interface Query {
  readonly text: string;
  readonly params: readonly (string | null)[];
  /** Parameter type OIDs; omitted = let the server infer (part of the statement-cache key). */
  readonly types?: readonly number[];
  /**
   * The caller never reads this statement's columns (a set_config context statement): each
   * row is counted, as an empty row, without slicing its columns out of the socket chunk.
   */
  readonly discardColumns?: boolean;
}

export interface QueryResult {
  /** Each row's columns as raw text-format bytes (null for SQL NULL). */
  readonly rows: (Buffer | null)[][];
  command: string;
}

/** A sent batch, as the pool holds it: its outcome, and a handle to cancel it. */
export interface BatchHandle {
  readonly promise: Promise<QueryResult[]>;
}

export interface StatementUse {
  readonly key: string;
  readonly entry: CachedStatement;
}

export interface Batch {
  readonly queries: readonly Query[];
  results: QueryResult[];
  index: number;
  error: PgError | null;
  /** Statements this batch asked to Parse, in order, awaiting ParseComplete. */
  parses: StatementUse[];
  parsed: number;
  /** Named statements this batch binds, so a stale plan can be dropped before the retry. */
  used: StatementUse[];
  /** A batch is re-sent at most once, and only after the server rolled it back. */
  retried: boolean;
  /** Its last statement ran under slowAfterMs last time on this connection. */
  expectedFast: boolean;
  /** How long its last statement ran last time (updated when this batch finishes). */
  timing: { runMs: number } | null;
  /** Its client went away after it was sent: cancel it as soon as it runs. */
  cancelWhenStarted: boolean;
  done: boolean;
  readonly resolve: (results: QueryResult[]) => void;
  readonly reject: (err: Error) => void;
  readonly promise: Promise<QueryResult[]>;
}
