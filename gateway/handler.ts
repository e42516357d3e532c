// The per-request pipeline: auth → toApiRequest → actionPlan → SQL → one pipelined batch →
// response record. Requests that fail before planning never touch the pool.

import {
  actionPlan,
  apiError,
  plannedRows,
  toApiRequest,
  txVarsStatement,
  type RawRequest,
} from '../planner/index.js';
import { authenticate } from './auth.js';
import { respond } from './respond.js';
import { errorResponse, failureResponse, type HttpResponse } from './response.js';
import type { AppState } from './state.js';


function searchPath(schema: string, extra: readonly string[]): string {
  return [schema, ...extra.filter((s) => s !== schema)].map((s) => '"' + s.replace(/"/g, '""') + '"').join(', ');
}

export async function handle(state: AppState, raw: RawRequest): Promise<HttpResponse> {
  const config = state.config;
  const auth = await authenticate(raw.headers['authorization'], config);
  if (!auth.ok) return errorResponse(auth.error, [['WWW-Authenticate', auth.header]]);

  const request = toApiRequest(raw, { schemas: config.dbSchemas });
  if (!request.ok) return errorResponse(request.error);
  const cache = state.schemaCache;
  if (cache === null) {
    return errorResponse(apiError(503, 'PGRST002', 'Could not query the database for the schema cache. Retrying.'), [['Retry-After', '1']]);
  }
  const planned = actionPlan(request.value, cache, { maxRows: config.dbMaxRows });
  if (!planned.ok) return errorResponse(planned.error);
  const plan = planned.value;

  const tx = txVarsStatement({
    role: auth.auth.role,
    claims: auth.auth.claims,
    method: raw.method,
    path: raw.path,
    searchPath: searchPath(request.value.schema, config.dbExtraSearchPath),
    readOnly: plan.kind === 'read',
  });
  const { main, estimate } = state.planCache.statements(plan, cache);
  let row: (Buffer | null)[];
  let plannedTotal: number | null = null;
  try {
    const results = await state.pool.run(estimate === null ? [tx, main] : [tx, estimate, main]);
    const r = results[results.length - 1]?.rows[0];
    if (r === undefined) throw new Error('main statement returned no row');
    row = r;
    const explain = estimate === null ? undefined : results[1]?.rows[0]?.[0];
    if (explain !== undefined && explain !== null) plannedTotal = plannedRows(explain.toString('utf8'));
  } catch (err) {
    return failureResponse(err, auth.auth.authenticated);
  }
  return respond(plan, row, plannedTotal);
}
