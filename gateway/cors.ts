// CORS as PostgREST answers it: preflights get the allow-* headers with a one-day max-age;
// every response to a request with an Origin gets Allow-Origin and the exposed headers.
// `server-cors-allowed-origins` narrows the allowed origins. Pure.

export type HeaderList = [string, string][];

const EXPOSE = 'Content-Encoding, Content-Location, Content-Range, Content-Type, Date, Location, Server, Transfer-Encoding, Range-Unit';
const METHODS = 'GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD';

function allowedOrigin(origin: string, allowed: readonly string[] | null): string | null {
  if (allowed === null) return '*';
  return allowed.includes(origin) ? origin : null;
}

/** Headers for an ordinary response to a request that carried `Origin`. */
export function corsHeaders(origin: string | undefined, allowed: readonly string[] | null): HeaderList {
  if (origin === undefined) return [];
  const o = allowedOrigin(origin, allowed);
  if (o === null) return [];
  return [
    ['Access-Control-Allow-Origin', o],
    ['Access-Control-Expose-Headers', EXPOSE],
  ];
}

/** A preflight is an OPTIONS request with Origin and Access-Control-Request-Method. */
export function isPreflight(method: string, headers: Readonly<Record<string, string>>): boolean {
  return method === 'OPTIONS' && headers['origin'] !== undefined && headers['access-control-request-method'] !== undefined;
}

export function preflightHeaders(headers: Readonly<Record<string, string>>, allowed: readonly string[] | null): HeaderList {
  const origin = headers['origin'];
  if (origin === undefined) return [];
  const o = allowedOrigin(origin, allowed);
  if (o === null) return [];
  const requested = headers['access-control-request-headers'];
  const allowHeaders = requested === undefined || requested.trim() === '' ? 'Authorization' : `Authorization, ${requested}`;
  return [
    ['Access-Control-Allow-Origin', o],
    ['Access-Control-Allow-Credentials', 'true'],
    ['Access-Control-Allow-Methods', METHODS],
    ['Access-Control-Allow-Headers', allowHeaders],
    ['Access-Control-Max-Age', '86400'],
  ];
}
