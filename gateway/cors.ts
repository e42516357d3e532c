// CORS as PostgREST answers it: preflights get the allow-* headers with a one-day max-age;
// every response to a request with an Origin gets Allow-Origin and the exposed headers.
// `server-cors-allowed-origins` narrows the allowed origins (and only then are credentials
// allowed, as wai-cors does). Pure.

export type HeaderList = [string, string][];

const EXPOSE = 'Content-Encoding, Content-Location, Content-Range, Content-Type, Date, Location, Server, Transfer-Encoding, Range-Unit';
const METHODS = 'GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD';
/** wai-cors appends the CORS-safelisted request headers to the ones a preflight asks for. */
const SAFELISTED = ['Accept', 'Accept-Language', 'Content-Language'];

/**
 * Access-Control-Allow-Headers: Authorization, the requested headers (split on commas and
 * trimmed, empty items dropped) and the safelisted ones, each name once (case-insensitively).
 */
export function allowHeaders(requested: string | undefined): string {
  const names = ['Authorization', ...(requested ?? '').split(','), ...SAFELISTED];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of names) {
    const name = raw.trim();
    const key = name.toLowerCase();
    if (name === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(name);
  }
  return out.join(', ');
}

/** No list, or an empty one, allows every origin (PostgREST reads `[]` as unset). */
export const anyOrigin = (allowed: readonly string[] | null): boolean => allowed === null || allowed.length === 0;

function allowedOrigin(origin: string, allowed: readonly string[] | null): string | null {
  if (anyOrigin(allowed)) return '*';
  return allowed !== null && allowed.includes(origin) ? origin : null;
}

/** Headers for an ordinary response to a request that carried `Origin`. */
export function corsHeaders(origin: string | undefined, allowed: readonly string[] | null): HeaderList {
  if (origin === undefined) return [];
  const o = allowedOrigin(origin, allowed);
  if (o === null) return [];
  const headers: HeaderList = [['Access-Control-Allow-Origin', o]];
  if (!anyOrigin(allowed)) headers.push(['Access-Control-Allow-Credentials', 'true']);
  headers.push(['Access-Control-Expose-Headers', EXPOSE]);
  return headers;
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
  const out: HeaderList = [['Access-Control-Allow-Origin', o]];
  if (!anyOrigin(allowed)) out.push(['Access-Control-Allow-Credentials', 'true']);
  out.push(
    ['Access-Control-Allow-Methods', METHODS],
    ['Access-Control-Allow-Headers', allowHeaders(headers['access-control-request-headers'])],
    ['Access-Control-Max-Age', '86400'],
  );
  return out;
}
