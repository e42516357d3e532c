// The per-request pipeline: auth → toApiRequest → actionPlan → SQL → one pipelined batch →
// response record. Requests that fail before planning never touch the pool.

import {
  actionPlan,
  apiError,
  mainStatement,
  MainColumns,
  preRequestStatement,
  toApiRequest,
  txVarsStatement,
  type Plan,
  type RawRequest,
} from '../planner/index.js';
import { extractToken } from './auth.js';
import { parseCookies, requestContext } from './context.js';
import { errorResponse, failureResponse, JSON_TYPE, type HttpResponse } from './response.js';
import type { AppState } from './state.js';

type Headers = [string, string][];

export async function handle(state: AppState, raw: RawRequest): Promise<HttpResponse> {
  const config = state.config;
  const cookies = parseCookies(raw.headers['cookie']);
  const token = extractToken(raw.headers['authorization'], config.jwtCookieName === null ? undefined : cookies[config.jwtCookieName]);
  const auth = await state.auth.authenticate(token);
  if (!auth.ok) return errorResponse(auth.error, auth.header === null ? [] : [['WWW-Authenticate', auth.header]]);

  const request = toApiRequest(raw, { schemas: config.dbSchemas });
  if (!request.ok) return errorResponse(request.error);
  const cache = state.schemaCache;
  if (cache === null) {
    return errorResponse(apiError(503, 'PGRST002', 'Could not query the database for the schema cache. Retrying.'), [['Retry-After', '1']]);
  }
  const planned = actionPlan(request.value, cache, { maxRows: config.dbMaxRows });
  if (!planned.ok) return errorResponse(planned.error);
  const plan = planned.value;

  const tx = txVarsStatement(
    requestContext(config, state.roleSettings, { raw, cookies, auth: auth.auth, schema: request.value.schema, readOnly: plan.kind === 'read' }),
  );
  // db-pre-request runs after the context is set and before the main statement, same round trip.
  const statements = config.dbPreRequest === null ? [tx, mainStatement(plan)] : [tx, preRequestStatement(config.dbPreRequest), mainStatement(plan)];
  let row: (Buffer | null)[];
  try {
    const results = await state.pool.run(statements);
    const r = results[statements.length - 1]?.rows[0];
    if (r === undefined) throw new Error('main statement returned no row');
    row = r;
  } catch (err) {
    return failureResponse(err, auth.auth.authenticated);
  }
  const response = respond(plan, row);
  if (config.dbSchemas.length <= 1) return response;
  return { ...response, headers: [...response.headers, ['Content-Profile', request.value.schema]] };
}

function text(cell: Buffer | null | undefined): string | null {
  return cell === null || cell === undefined ? null : cell.toString('utf8');
}

/** The main statement's row + plan → status, headers, body. */
export function respond(plan: Plan, row: readonly (Buffer | null)[]): HttpResponse {
  const totalText = text(row[MainColumns.total]);
  const total = totalText === null ? null : Number(totalText);
  const page = Number(text(row[MainColumns.pageTotal]) ?? '0');
  const body = row[MainColumns.body] ?? undefined;
  const headers: Headers = [];
  let status: number;
  switch (plan.kind) {
    case 'read': {
      const offset = plan.request.offset;
      const range = page === 0 ? '*' : `${offset}-${offset + page - 1}`;
      headers.push(['Content-Range', `${range}/${total === null ? '*' : total}`]);
      status = total !== null && page > 0 && (offset > 0 || offset + page < total) ? 206 : 200;
      headers.push(['Content-Type', JSON_TYPE]);
      break;
    }
    case 'mutate': {
      if (plan.mutation === 'insert') {
        status = 201;
        headers.push(['Content-Range', `*/${total === null ? '*' : total}`]);
      } else {
        status = plan.returnRepresentation ? 200 : 204;
        headers.push(['Content-Range', page === 0 ? '*/*' : `0-${page - 1}/*`]);
      }
      if (plan.returnRepresentation) headers.push(['Content-Type', JSON_TYPE]);
      if (plan.request.preferences.return !== null) {
        headers.push(['Preference-Applied', `return=${plan.request.preferences.return}`]);
      }
      break;
    }
  }
  const gucHeaders = text(row[MainColumns.headers]);
  if (gucHeaders !== null) applyGucHeaders(headers, gucHeaders);
  const gucStatus = text(row[MainColumns.status]);
  if (gucStatus !== null && /^\d{3}$/.test(gucStatus)) status = Number(gucStatus);
  const withBody = plan.kind === 'read' ? !plan.headOnly : plan.returnRepresentation;
  return { status, headers, body: withBody ? body ?? Buffer.from('[]') : undefined };
}

/** `response.headers` is a JSON array of single-key objects; a set header replaces ours. */
function applyGucHeaders(headers: Headers, json: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return;
  }
  if (!Array.isArray(parsed)) return;
  for (const item of parsed) {
    if (typeof item !== 'object' || item === null) continue;
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      if (typeof v !== 'string') continue;
      const i = headers.findIndex(([name]) => name.toLowerCase() === k.toLowerCase());
      if (i >= 0 && k.toLowerCase() !== 'set-cookie') headers.splice(i, 1);
      headers.push([k, v]);
    }
  }
}
