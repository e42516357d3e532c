// The per-request pipeline: auth → toApiRequest → actionPlan → SQL → one pipelined batch →
// response record. Requests that fail before planning never touch the pool (a large insert
// body asks the database about the role's privileges first, before it is parsed).

import {
  actionPlan,
  apiError,
  insertProbe,
  requestHead,
  withBody,
  type Compiled,
  hoistedSettings,
  isRollback,
  plannedRows,
  preRequestStatement,
  rollbackStatements,
  txVarsStatement,
  type Plan,
  txDecision,
  type PlanConfig,
  type RawRequest,
  type RequestConfig,
  type SchemaCache,
  toApiRequest,
  type ApiRequest,
  type Result,
} from '../planner/index.js';
import { PgError, type AbortHook, type Query, type RunOptions } from '../protocol/index.js';
import { extractToken, type AuthOutcome } from './auth.js';
import { parseCookies, requestContext } from './context.js';
import { respond } from './render.js';
import { errorResponse, failureResponse, type HttpResponse } from './http-response.js';
import { handlerBytes, msgpackRequest, packResponse, planResponse } from './media-body.js';
import type { ServerTiming } from './server-timing.js';
import type { Prepared } from './request-cache.js';
import type { AppConfig } from './config.js';
import type { AppState } from './state.js';



const READ_ONLY: RunOptions = { readOnly: true };

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
  const auth = token === null ? state.auth.anonymous() : await state.auth.authenticate(token);
  const timing = meta?.timing;
  timing?.lap('jwt');
  if (!auth.ok) return authFailure(auth);
  if (meta !== undefined) meta.role = auth.auth.role;

  // Beyond PostgREST: a msgpack body is read as the JSON it encodes (no cost for other bodies).
  const parsed = raw.body === null ? raw : msgpackRequest(raw);
  if (!('method' in parsed)) return errorResponse(parsed);
  const derived = plannerConfigOf(config);
  const cache = state.schemaCache;
  // A known request shape skips parsing and planning (request-cache.ts); null: one it does not cache.
  const prepared =
    (cache === null ? null : state.planCache.requests.prepare(parsed, derived, cache, (r) => prepare(state, toApiRequest(r, derived.request, cache), derived, cache))) ??
    (await prepareUncached(state, parsed, derived, cookies, auth.auth, meta?.signal));
  timing?.lap('parse');
  if (!prepared.ok) return prepared.response;
  const { plan, main, estimate } = prepared;
  const request = prepared.request;

  const ctx = requestContext(config, state.roleSettings, { raw, cookies, auth: auth.auth, schema: request.schema, readOnly: plan.kind === 'read' || (plan.kind === 'call' && plan.readOnly) });
  const hoisted = plan.kind === 'call' ? hoistedSettings(plan.routine, config.dbHoistedTxSettings) : [];
  // Prefer: timezone= is one more transaction-local setting; PostgreSQL rejects a bad zone (22023).
  const tz = plan.request.preferences.timezone;
  const extra = tz === null ? hoisted : [...hoisted, ['timezone', tz] as const];
  const txVars = txVarsStatement(extra.length === 0 ? ctx : { ...ctx, settings: [...ctx.settings, ...extra] });
  timing?.lap('plan');
  if (config.logQuery && meta !== undefined) meta.sql = main.text;
  const media = plan.request.media.kind;
  // A write that must not commit runs to completion, then tx-end.ts's statements check the
  // deferred constraints and end the implicit transaction with a deliberate error.
  const rollback = (plan.kind === 'mutate' || plan.kind === 'call') && plan.rollback;
  // One round trip: context, then db-pre-request, then the optional EXPLAIN for count=planned,
  // then the main statement (then the rollback statements). Nothing reads the first two's
  // columns: the connection only counts their rows.
  const statements: Query[] = [{ text: txVars.text, params: txVars.params, discardColumns: true }];
  if (config.dbPreRequest !== null) statements.push({ ...preRequestStatement(config.dbPreRequest), discardColumns: true });
  if (estimate !== null) statements.push(estimate);
  statements.push(main);
  const mainIndex = statements.length - 1;
  if (rollback) statements.push(...rollbackStatements);
  let results: readonly { readonly rows: readonly (readonly (Buffer | null)[])[] }[];
  try {
    const replicas = state.replicas;
    // A read-only batch may be answered 504 before it runs (pool.ts): nothing it does can stick.
    const options = ctx.readOnly ? READ_ONLY : undefined;
    results = await (replicas != null && readsFromReplica(plan) && request.preferences.read === null
      ? replicas.run(state.pool, statements, meta?.signal, options)
      : state.pool.run(statements, meta?.signal, options));
  } catch (err) {
    if (!(rollback && err instanceof PgError && isRollback(err.code, err.message))) return failureResponse(err, auth.auth.authenticated);
    results = err.completed.map((rows) => ({ rows }));
  }
  if (media === 'plan') return withProfile(planResponse(plan, results[mainIndex]?.rows ?? []), config.dbSchemas, request.schema);
  const row = results[mainIndex]?.rows[0];
  if (row === undefined) return failureResponse(new Error('main statement returned no row'), auth.auth.authenticated);
  const explain = estimate === null ? undefined : results[mainIndex - 1]?.rows[0]?.[0];
  const plannedTotal = explain === undefined || explain === null ? null : plannedRows(explain.toString('utf8'));
  timing?.lap('transaction');
  // A read's honoured Prefer: tx= is reported too (writes and calls carry theirs in the plan).
  const readTx = plan.kind === 'read' ? txDecision(config.dbTxEnd, plan.request.preferences).applied : null;
  let response = respond(plan, row, plannedTotal, readTx);
  timing?.lap('response');
  if (media === 'handler' && response.body instanceof Buffer) response = { ...response, body: handlerBytes(plan, response.body) };
  else if (media === 'msgpack') response = packResponse(response);
  return withProfile(response, config.dbSchemas, request.schema);
}

/** Plan and SQL for a parsed request, without the request cache; errors as their response. */
function prepare(state: AppState, request: Result<ApiRequest>, derived: { readonly request: RequestConfig; readonly plan: PlanConfig }, cache: SchemaCache | null): Prepared {
  if (!request.ok) return { ok: false, response: errorResponse(request.error) };
  if (cache === null) {
    return { ok: false, response: errorResponse(apiError(503, 'PGRST002', 'Could not query the database for the schema cache. Retrying.'), [['Retry-After', '1']]) };
  }
  const planned = actionPlan(request.value, cache, derived.plan);
  if (!planned.ok) return { ok: false, response: errorResponse(planned.error) };
  const { main, estimate } = state.planCache.statements(planned.value, cache);
  return { ok: true, request: request.value, plan: planned.value, main, estimate };
}

/**
 * A request the request cache does not take: parsed in two steps, so that a large insert body
 * is refused for the role's privileges (refusedInsert) before it is parsed.
 */
async function prepareUncached(
  state: AppState,
  raw: RawRequest,
  derived: { readonly request: RequestConfig; readonly plan: PlanConfig },
  cookies: Record<string, string>,
  auth: Extract<AuthOutcome, { ok: true }>['auth'],
  signal: AbortHook | undefined,
): Promise<Prepared> {
  const head = requestHead(raw, derived.request, state.schemaCache);
  if (!head.ok) return { ok: false, response: errorResponse(head.error) };
  const probe = raw.body === null || state.schemaCache === null ? null : insertProbe(head.value, raw.body.length, state.schemaCache);
  if (probe !== null) {
    const refused = await refusedInsert(state, raw, cookies, auth, head.value.schema, probe, signal);
    if (refused !== null) return { ok: false, response: refused };
  }
  return prepare(state, withBody(head.value, raw), derived, state.schemaCache);
}

/**
 * Before a large insert body is parsed: PostgreSQL's answer to `probe` (privilege-probe.ts)
 * in the request's own context (role, claims), when it is a refusal the real insert would get
 * too: 42501, or the pool's own failure. Anything else (null) lets the request go on as usual.
 * Not with db-pre-request: it runs before the insert, so its effects and errors come first.
 */
async function refusedInsert(
  state: AppState,
  raw: RawRequest,
  cookies: Record<string, string>,
  auth: Extract<AuthOutcome, { ok: true }>['auth'],
  schema: string,
  probe: Compiled,
  signal: AbortHook | undefined,
): Promise<HttpResponse | null> {
  const config = state.config;
  if (config.dbPreRequest !== null) return null;
  const ctx = requestContext(config, state.roleSettings, { raw, cookies, auth, schema, readOnly: false });
  try {
    await state.pool.run([txVarsStatement(ctx), probe], signal);
    return null;
  } catch (err) {
    if (err instanceof PgError && err.code !== '42501') return null;
    return failureResponse(err, auth.authenticated);
  }
}

/**
 * Reads a replica may serve: GET/HEAD on tables and views, and calls of stable or immutable
 * functions (a volatile one stays on the primary even through GET, where it may fail read-only
 * exactly as on PostgREST).
 */
function readsFromReplica(plan: Plan): boolean {
  return plan.kind === 'read' || (plan.kind === 'call' && plan.routine.volatility !== 'volatile');
}

function withProfile(response: HttpResponse, schemas: readonly string[], schema: string): HttpResponse {
  if (schemas.length <= 1) return response;
  return { ...response, headers: [...response.headers, ['Content-Profile', schema]] };
}
