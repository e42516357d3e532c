// GET / — the OpenAPI description of the schema picked by Accept-Profile: Swagger 2.0 or (beyond
// PostgREST) OpenAPI 3.1 by Accept `;version=` or openapi-version; for follow-privileges only
// what the request role may use (one small catalog query as that role — the root is not a hot
// path), for ignore-privileges everything without a round trip. Built documents are kept per
// schema-cache instance. db-root-spec serves a function's result instead; 404 PGRST126 when
// openapi-mode is disabled; 406 for other media.

import { apiError, decodeOpenApiAccess, openApiAccessQuery, openApiSpec, toOpenApi31, txVarsStatement, type RawRequest, type SchemaCache } from '../planner/index.js';
import { requestContext } from './context.js';
import { authFailure, handle, requestToken, type RequestMeta } from './handler.js';
import { errorResponse, failureResponse, type HttpResponse } from './http-response.js';
import type { AppState } from './state.js';
import { version } from './version.js';

type OpenApiVersion = '2.0' | '3.1';

/** Built documents per cache; bounded, since follow-privileges keys include the role's grants. */
const built = new WeakMap<SchemaCache, Map<string, string>>();
const MAX_BUILT = 64;

/**
 * The version the Accept header asks for: the first acceptable entry wins; a `version` parameter
 * on application/openapi+json picks 2.0 or 3.1, anything else gets `fallback`. null = 406.
 */
export function negotiateOpenApi(accept: string | undefined, fallback: OpenApiVersion): OpenApiVersion | null {
  if (accept === undefined || accept.trim() === '') return fallback;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const media = (type ?? '').toLowerCase();
    if (media === 'application/json' || media === '*/*' || media === 'application/*') return fallback;
    if (media !== 'application/openapi+json') continue;
    const v = params.map((p) => /^version\s*=\s*"?([^"]*)"?$/i.exec(p)?.[1]).find((x) => x !== undefined);
    if (v === undefined) return fallback;
    if (/^3(\.1(\.\d+)?)?$/.test(v)) return '3.1';
    if (/^2(\.0)?$/.test(v)) return '2.0';
  }
  return null;
}

export async function rootResponse(state: AppState, cache: SchemaCache, raw: RawRequest, schema: string, meta: RequestMeta): Promise<HttpResponse> {
  const config = state.config;
  if (config.openapiMode === 'disabled') return errorResponse(apiError(404, 'PGRST126', 'Root endpoint metadata is disabled'));
  if (config.dbRootSpec !== null) return rootSpecResponse(state, raw, config.dbRootSpec, meta);
  const accept = raw.headers['accept'];
  const wanted = negotiateOpenApi(accept, config.openapiVersion);
  if (wanted === null) return errorResponse(apiError(406, 'PGRST107', `None of these media types are available: ${accept ?? ''}`));
  const { token, cookies } = requestToken(state, raw);
  const auth = await state.auth.authenticate(token);
  const timing = meta.timing;
  timing?.lap('jwt');
  if (!auth.ok) return authFailure(auth);
  meta.role = auth.auth.role;
  timing?.lap('parse');
  timing?.lap('plan');
  let accessJson: string | null = null;
  if (config.openapiMode === 'follow-privileges') {
    const ctx = requestContext(config, state.roleSettings, { raw, cookies, auth: auth.auth, schema, readOnly: true });
    try {
      const results = await state.pool.run([txVarsStatement(ctx), { text: openApiAccessQuery, params: [schema] }], meta.signal);
      const cell = results[1]?.rows[0]?.[0];
      accessJson = cell === undefined || cell === null ? 'null' : cell.toString('utf8');
    } catch (err) {
      return failureResponse(err, auth.auth.authenticated);
    }
  }
  timing?.lap('transaction');
  let perCache = built.get(cache);
  if (perCache === undefined) {
    perCache = new Map();
    built.set(cache, perCache);
  }
  const key = `${wanted}\u0000${schema}\u0000${accessJson ?? '*'}`;
  let body = perCache.get(key);
  if (body === undefined) {
    const swagger = openApiSpec(cache, {
      schema,
      proxyUri: config.openapiServerProxyUri,
      host: config.serverHost,
      port: config.serverPort,
      version: version(),
      securityActive: config.openapiSecurityActive,
      access: accessJson === null ? null : decodeOpenApiAccess(accessJson === 'null' ? null : accessJson),
    });
    body = JSON.stringify(wanted === '3.1' ? toOpenApi31(swagger) : swagger);
    if (perCache.size >= MAX_BUILT) perCache.clear();
    perCache.set(key, body);
  }
  timing?.lap('response');
  const contentType = wanted === '3.1' ? 'application/openapi+json; version=3.1; charset=utf-8' : 'application/openapi+json; charset=utf-8';
  // With several schemas exposed, the answer names the one described (as every other response).
  const headers: [string, string][] = [['Content-Type', contentType]];
  if (config.dbSchemas.length > 1) headers.push(['Content-Profile', schema]);
  return { status: 200, headers, body: raw.method === 'HEAD' ? undefined : body };
}

/**
 * db-root-spec: the function called as GET /rpc/<name> in the request's schema (PostgREST uses
 * the name only), its JSON served as the description when application/openapi+json was asked.
 */
async function rootSpecResponse(state: AppState, raw: RawRequest, rootSpec: string, meta: RequestMeta): Promise<HttpResponse> {
  const name = rootSpec.includes('.') ? rootSpec.slice(rootSpec.lastIndexOf('.') + 1) : rootSpec;
  const accept = raw.headers['accept'];
  const openapi = accept !== undefined && /application\/openapi\+json/i.test(accept);
  const headers = openapi ? { ...raw.headers, accept: 'application/json' } : raw.headers;
  const response = await handle(state, { ...raw, path: `/rpc/${encodeURIComponent(name)}`, headers }, meta);
  if (!openapi || response.status !== 200) return response;
  return { ...response, headers: [...response.headers.filter(([k]) => k.toLowerCase() !== 'content-type'), ['Content-Type', 'application/openapi+json; charset=utf-8']] };
}
