// PgError carries every ErrorResponse field with the SQLSTATE as `code`; ClientError covers
// the few failures that are ours (connection lost, pool timeout, protocol violation).

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
  constructor(fields: PgErrorFields) {
    super(fields.message);
    this.name = 'PgError';
    this.fields = fields;
    this.code = fields.code;
  }
}

export type ClientErrorCode = 'CONNECTION_CLOSED' | 'CONNECT_FAILED' | 'POOL_TIMEOUT' | 'PROTOCOL_VIOLATION' | 'AUTH_FAILED';

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
  }
}
