// The per-request pipeline: auth → toApiRequest → actionPlan → SQL → one pipelined batch →
// response record. Requests that fail before planning never touch the pool.

import {
  actionPlan,
  apiError,
  hoistedSettings,
  isPlanRollback,
  planRollbackStatement,
  plannedRows,
  preRequestStatement,
  toApiRequest,
  txVarsStatement,
  txDecision,
  rolledBackRow,
  type PlanConfig,
  type RawRequest,
  type RequestConfig,
} from '../planner/index.js';
import { PgError, type AbortHook } from '../protocol/index.js';
import { extractToken, type AuthOutcome } from './auth.js';
import { parseCookies, requestContext } from './context.js';
import { respond } from './respond.js';
import { errorResponse, failureResponse, type HttpResponse } from './response.js';
import { handlerBytes, msgpackRequest, packResponse, planResponse } from './media-body.js';
import type { ServerTiming } from './server-timing.js';
import type { AppConfig } from './config.js';
import type { AppState } from './state.js';



/** What the handler learned that the access log wants (the role the request ran as). */
export interface RequestMeta {
  role: string;
  /** Aborts when the client disconnects. */
  readonly signal?: AbortHook;
  /** Present only with server-timing-enabled. */
  readonly timing?: ServerTiming;
  /** The main statement's text, recorded only with log-query. */
  sql?: string;
}

/** The request's cookies and its JWT (Authorization header, else the jwt-cookie-name cookie). */
export function requestToken(state: AppState, raw: RawRequest): { token: string | null; cookies: Record<string, string> } {
  const name = state.config.jwtCookieName;
  const cookies = parseCookies(raw.headers['cookie']);
  return { token: extractToken(raw.headers['authorization'], name === null ? undefined : cookies[name]), cookies };
}

/** The response for a refused JWT (401 with WWW-Authenticate, or PostgREST's other statuses). */
export function authFailure(outcome: Extract<AuthOutcome, { ok: false }>): HttpResponse {
  return errorResponse(outcome.error, outcome.header === null ? [] : [['WWW-Authenticate', outcome.header]]);
}

// The config is frozen and swapped whole on reload: the planner's view of it is built once per config.
const plannerConfigs = new WeakMap<AppConfig, { readonly request: RequestConfig; readonly plan: PlanConfig }>();

function plannerConfigOf(config: AppConfig): { readonly request: RequestConfig; readonly plan: PlanConfig } {
  let derived = plannerConfigs.get(config);
  if (derived === undefined) {
    derived = {
      request: { schemas: config.dbSchemas, planEnabled: config.dbPlanEnabled },
      plan: {
        maxRows: config.dbMaxRows,
        txEnd: config.dbTxEnd,
        planEnabled: config.dbPlanEnabled,
        legacyTargetNames: config.urlUseLegacyTargetNames,
        aggregatesEnabled: config.dbAggregatesEnabled,
      },
    };
    plannerConfigs.set(config, derived);
  }
  return derived;
}

export async function handle(state: AppState, raw: RawRequest, meta?: RequestMeta): Promise<HttpResponse> {
  const config = state.config;
  const { token, cookies } = requestToken(state, raw);
  const auth = await state.auth.authenticate(token);
  const timing = meta?.timing;
  timing?.lap('jwt');
  if (!auth.ok) return authFailure(auth);
  if (meta !== undefined) meta.role = auth.auth.role;

  // Beyond PostgREST: a msgpack body is read as the JSON it encodes (no cost for other bodies).
  const parsed = raw.body === null ? raw : msgpackRequest(raw);
  if (!('method' in parsed)) return errorResponse(parsed);
  const derived = plannerConfigOf(config);
  const request = toApiRequest(parsed, derived.request);
  timing?.lap('parse');
  if (!request.ok) return errorResponse(request.error);
  const cache = state.schemaCache;
  if (cache === null) {
    return errorResponse(apiError(503, 'PGRST002', 'Could not query the database for the schema cache. Retrying.'), [['Retry-After', '1']]);
  }
  const planned = actionPlan(request.value, cache, derived.plan);
  if (!planned.ok) return errorResponse(planned.error);
  const plan = planned.value;

  const ctx = requestContext(config, state.roleSettings, { raw, cookies, auth: auth.auth, schema: request.value.schema, readOnly: plan.kind === 'read' || (plan.kind === 'call' && plan.readOnly) });
  const hoisted = plan.kind === 'call' ? hoistedSettings(plan.routine, config.dbHoistedTxSettings) : [];
  const txVars = txVarsStatement(hoisted.length === 0 ? ctx : { ...ctx, settings: [...ctx.settings, ...hoisted] });
  const { main, estimate } = state.planCache.statements(plan, cache);
  timing?.lap('plan');
  if (config.logQuery && meta !== undefined) meta.sql = main.text;
  const media = plan.request.media.kind;
  const rolls = (plan.kind === 'mutate' || plan.kind === 'call') && plan.rollback;
  const rollback = rolls && media !== 'plan';
  // EXPLAIN of a write that must not commit is followed by a deliberate error that rolls it back.
  const explainRollback = rolls && media === 'plan';
  // One round trip: context, then db-pre-request, then the optional EXPLAIN for count=planned,
  // then the main statement.
  const statements = [txVars];
  if (config.dbPreRequest !== null) statements.push(preRequestStatement(config.dbPreRequest));
  if (estimate !== null) statements.push(estimate);
  statements.push(main);
  if (explainRollback) statements.push(planRollbackStatement);
  let row: (Buffer | null)[];
  let plannedTotal: number | null = null;
  try {
    const results = await state.pool.run(statements, meta?.signal);
    if (media === 'plan') return withProfile(planResponse(plan, results[results.length - 1]?.rows ?? []), config.dbSchemas, request.value.schema);
    const r = results[results.length - 1]?.rows[0];
    if (r === undefined) throw new Error('main statement returned no row');
    row = r;
    const explain = estimate === null ? undefined : results[results.length - 2]?.rows[0]?.[0];
    if (explain !== undefined && explain !== null) plannedTotal = plannedRows(explain.toString('utf8'));
  } catch (err) {
    if (explainRollback && err instanceof PgError && isPlanRollback(err.code, err.message)) {
      return withProfile(planResponse(plan, err.completed[statements.length - 2] ?? []), config.dbSchemas, request.value.schema);
    }
    const rolledBack = rollback && err instanceof PgError ? rolledBackRow(err.code, err.message) : null;
    if (rolledBack === null) return failureResponse(err, auth.auth.authenticated);
    row = rolledBack.map((c) => (c === null ? null : Buffer.from(c)));
  }
  timing?.lap('transaction');
  // A read's honoured Prefer: tx= is reported too (writes and calls carry theirs in the plan).
  const readTx = plan.kind === 'read' ? txDecision(config.dbTxEnd, plan.request.preferences).applied : null;
  let response = respond(plan, row, plannedTotal, readTx);
  timing?.lap('response');
  if (media === 'handler' && response.body instanceof Buffer) response = { ...response, body: handlerBytes(plan, response.body) };
  else if (media === 'msgpack') response = packResponse(response);
  return withProfile(response, config.dbSchemas, request.value.schema);
}

function withProfile(response: HttpResponse, schemas: readonly string[], schema: string): HttpResponse {
  if (schemas.length <= 1) return response;
  return { ...response, headers: [...response.headers, ['Content-Profile', schema]] };
}
