// API errors: the PGRSTnnn codes with their HTTP status and PostgREST's message texts,
// plus the SQLSTATE → HTTP status mapping for database errors. Data only: gateway/http-response.ts
// renders them.

export interface ApiError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details: string | null;
  readonly hint: string | null;
  /** Structured details (PGRST201's candidate list), rendered instead of `details`. */
  readonly detailsJson?: readonly Readonly<Record<string, string>>[];
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T>(error: ApiError): Result<T> => ({ ok: false, error });

export function apiError(
  status: number,
  code: string,
  message: string,
  details: string | null = null,
  hint: string | null = null,
): ApiError {
  return { status, code, message, details, hint };
}

export const parseError = (message: string, details: string | null): ApiError =>
  apiError(400, 'PGRST100', message, details);

export const invalidBody = (message: string): ApiError => apiError(400, 'PGRST102', message);

export const tableNotFound = (schema: string, name: string, suggestion: string | null): ApiError =>
  apiError(
    404,
    'PGRST205',
    `Could not find the table '${schema}.${name}' in the schema cache`,
    null,
    suggestion === null ? null : `Perhaps you meant the table '${schema}.${suggestion}'`,
  );

export const columnNotFound = (column: string, table: string): ApiError =>
  apiError(400, 'PGRST204', `Could not find the '${column}' column of '${table}' in the schema cache`);

export const unsupportedMethod = (method: string): ApiError =>
  apiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);

export const aggregatesNotAllowed = (): ApiError => apiError(400, 'PGRST123', 'Use of aggregate functions is not allowed');

export const invalidPath = (): ApiError => apiError(404, 'PGRST125', 'Invalid path specified in request URL');

export const notAcceptable = (accept: string): ApiError =>
  apiError(406, 'PGRST107', `None of these media types are available: ${accept}`);

export const singularityError = (rows: number): ApiError =>
  apiError(
    406,
    'PGRST116',
    'Cannot coerce the result to a single JSON object',
    `The result contains ${rows} rows`,
  );

/**
 * HTTP status for a PostgreSQL error, in PostgREST's order (first match wins).
 * `authenticated` is whether a JWT role is in use (42501 → 403 then, else 401).
 */
export function pgErrorStatus(sqlstate: string, message: string, authenticated: boolean): number {
  const c2 = sqlstate.slice(0, 2);
  if (c2 === '08') return 503;
  if (c2 === '09') return 500;
  if (c2 === '0L' || c2 === '0P') return 403;
  if (sqlstate === '23503' || sqlstate === '23505') return 409;
  if (sqlstate === '25006') return 405;
  if (sqlstate === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500;
  if (sqlstate === '22023') return /^role .* does not exist/.test(message) ? 401 : 400;
  if (c2 === '25') return 500;
  if (c2 === '28') return 403;
  if (c2 === '2D' || c2 === '38' || c2 === '39' || c2 === '3B' || c2 === '40') return 500;
  if (sqlstate === '53400') return 500;
  if (c2 === '53') return 503;
  if (c2 === '54' || c2 === '55') return 500;
  if (sqlstate === '57P01') return 503;
  if (c2 === '57' || c2 === '58' || c2 === 'F0' || c2 === 'HV') return 500;
  if (sqlstate === 'P0001') return 400;
  if (c2 === 'P0' || c2 === 'XX') return 500;
  if (sqlstate === '42883') return message.startsWith('function xmlagg(') ? 406 : 404;
  if (sqlstate === '42P01') return 404;
  if (sqlstate === '42P17') return 500;
  if (sqlstate === '42501') return authenticated ? 403 : 401;
  if (c2 === 'PT') {
    const n = Number(sqlstate.slice(2));
    // PostgREST reads the rest as a status; anything that is not a number (or not an HTTP status) is a 500.
    return /^[0-9]+$/.test(sqlstate.slice(2)) && n >= 100 && n <= 599 ? n : 500;
  }
  return 400;
}
