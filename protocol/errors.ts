// PgError carries every ErrorResponse field with the SQLSTATE as `code`; ClientError covers
// the few failures that are ours (connection lost, pool timeout, protocol violation).
// Also the one rule for which server errors mean "re-prepare and retry the batch once".

import type { DatabaseError } from 'pg-protocol/dist/messages.js';

export interface PgErrorFields {
  readonly severity?: string | undefined;
  readonly code: string;
  readonly message: string;
  readonly detail?: string | undefined;
  readonly hint?: string | undefined;
  readonly position?: string | undefined;
  readonly internalPosition?: string | undefined;
  readonly internalQuery?: string | undefined;
  readonly where?: string | undefined;
  readonly schema?: string | undefined;
  readonly table?: string | undefined;
  readonly column?: string | undefined;
  readonly dataType?: string | undefined;
  readonly constraint?: string | undefined;
  readonly file?: string | undefined;
  readonly line?: string | undefined;
  readonly routine?: string | undefined;
}

export class PgError extends Error {
  readonly fields: PgErrorFields;
  readonly code: string;
  /**
   * Rows of each statement of the batch, up to the failing one: a deliberate error that rolls
   * a batch back (EXPLAIN ANALYZE of a write under tx=rollback) still delivers what ran before.
   */
  completed: readonly (readonly (readonly (Buffer | null)[])[])[] = [];
  constructor(fields: PgErrorFields) {
    super(fields.message);
    this.name = 'PgError';
    this.fields = fields;
    this.code = fields.code;
  }
}

export type ClientErrorCode = 'CONNECTION_CLOSED' | 'CONNECT_FAILED' | 'POOL_TIMEOUT' | 'PROTOCOL_VIOLATION' | 'AUTH_FAILED' | 'ABORTED';

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  /** Seconds until the pool's next reconnect attempt, for a Retry-After header. */
  readonly retryAfter: number | null;
  constructor(code: ClientErrorCode, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * A cached statement the server no longer accepts: its result type changed under DDL (0A000,
 * shared by every unsupported feature, hence the message check) or it does not exist
 * (26000, e.g. after DISCARD ALL). Both abort the batch before anything commits.
 */
export function isStalePlan(e: PgError): boolean {
  return e.code === '26000' || (e.code === '0A000' && e.message.includes('cached plan must not change result type'));
}

/** pg-protocol's parsed ErrorResponse/NoticeResponse → PgError with every field kept. */
export function toPgError(e: DatabaseError): PgError {
  return new PgError({
    severity: e.severity,
    code: e.code ?? 'XX000',
    message: e.message,
    detail: e.detail,
    hint: e.hint,
    position: e.position,
    internalPosition: e.internalPosition,
    internalQuery: e.internalQuery,
    where: e.where,
    schema: e.schema,
    table: e.table,
    column: e.column,
    dataType: e.dataType,
    constraint: e.constraint,
    file: e.file,
    line: e.line,
    routine: e.routine,
  });
}
