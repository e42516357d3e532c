// GET / — the OpenAPI description of the schema picked by Accept-Profile, built once per
// schema-cache instance; 404 PGRST126 when openapi-mode is disabled; 406 for other media.

import { apiError } from '../planner/index.js';
import { openApiSpec } from '../planner/openapi.js';
import type { SchemaCache } from '../planner/index.js';
import { errorResponse, type HttpResponse } from './response.js';
import type { AppConfig } from './config.js';
import { listenHost } from './server.js';
import { version } from './version.js';

const built = new WeakMap<SchemaCache, Map<string, string>>();

function acceptsOpenApi(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept
    .split(',')
    .map((part) => part.split(';')[0]!.trim().toLowerCase())
    .some((m) => m === 'application/openapi+json' || m === 'application/json' || m === '*/*' || m === 'application/*');
}

export function rootResponse(config: AppConfig, cache: SchemaCache, schema: string, accept: string | undefined, head: boolean): HttpResponse {
  if (config.openapiMode === 'disabled') return errorResponse(apiError(404, 'PGRST126', 'Root endpoint metadata is disabled'));
  if (!acceptsOpenApi(accept)) return errorResponse(apiError(406, 'PGRST107', `None of these media types are available: ${accept ?? ''}`));
  let perSchema = built.get(cache);
  if (perSchema === undefined) {
    perSchema = new Map();
    built.set(cache, perSchema);
  }
  let body = perSchema.get(schema);
  if (body === undefined) {
    body = JSON.stringify(
      openApiSpec(cache, {
        schema,
        proxyUri: config.openapiServerProxyUri,
        host: listenHost(config.serverHost),
        port: config.serverPort,
        version: version(),
      }),
    );
    perSchema.set(schema, body);
  }
  return { status: 200, headers: [['Content-Type', 'application/openapi+json; charset=utf-8']], body: head ? undefined : body };
}
