// The response record every path produces, and the PostgREST error body renderer.
// ApiError, PgError and ClientError become {status, headers, body} here and nowhere else.

import { markerError, pgErrorStatus, writeMarker, type ApiError } from '../planner/index.js';
import { ClientError, PgError } from '../protocol/index.js';
import { parseCustomRaise } from './guc-response.js';

export interface HttpResponse {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  /** undefined: no body at all (HEAD, 204). */
  readonly body: Buffer | string | undefined;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function errorResponse(e: ApiError, extraHeaders: readonly (readonly [string, string])[] = []): HttpResponse {
  const body = JSON.stringify({ code: e.code, details: e.detailsJson ?? e.details, hint: e.hint, message: e.message });
  return {
    status: e.status,
    headers: [['Content-Type', JSON_TYPE], ['Proxy-Status', `PostgREST; error=${e.code}`], ...extraHeaders],
    body,
  };
}

/** Any failure from running a request → PostgREST's error response. */
export function failureResponse(err: unknown, authenticated: boolean): HttpResponse {
  if (err instanceof PgError) {
    const marker = writeMarker(err.code, err.message);
    if (marker !== null) return errorResponse(markerError(marker));
    if (err.code === 'PGRST') {
      const custom = parseCustomRaise(err.message, err.fields.detail);
      return custom.ok ? errorResponse(custom.value.error, custom.value.headers) : errorResponse(custom.error);
    }
    const status = pgErrorStatus(err.code, err.message, authenticated);
    const extra: [string, string][] = status === 401 ? [['WWW-Authenticate', 'Bearer']] : [];
    return errorResponse(
      { status, code: err.code, message: err.message, details: err.fields.detail ?? null, hint: err.fields.hint ?? null },
      extra,
    );
  }
  if (err instanceof ClientError) {
    // Retry-After says when the pool's next reconnect attempt runs (1 s when it is not waiting).
    const retryAfter: [string, string] = ['Retry-After', String(err.retryAfter ?? 1)];
    switch (err.code) {
      case 'POOL_TIMEOUT':
        return errorResponse({ status: 504, code: 'PGRST003', message: 'Timed out acquiring connection from connection pool.', details: null, hint: null });
      case 'CONNECTION_CLOSED':
      case 'PROTOCOL_VIOLATION':
        return errorResponse({ status: 503, code: 'PGRST001', message: 'Database client error. Retrying the connection.', details: err.message, hint: null }, [retryAfter]);
      case 'ABORTED':
        // The client is gone and never reads this; 499 (nginx's "client closed request") keeps logs honest.
        return errorResponse({ status: 499, code: 'PGRST001', message: 'The client closed the request.', details: err.message, hint: null });
      case 'CONNECT_FAILED':
      case 'AUTH_FAILED':
        return errorResponse({ status: 503, code: 'PGRST000', message: 'Database connection error. Retrying the connection.', details: err.message, hint: null }, [retryAfter]);
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return errorResponse({ status: 500, code: 'PGRSTX00', message: 'Internal server error', details: message, hint: null });
}
