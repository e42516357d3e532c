// actionPlan: ApiRequest × SchemaCache → a plan (target table resolved, payload columns
// checked, row cap applied). Plans are data; statements.ts turns them into SQL.

import { aggregatesNotAllowed, columnNotFound, fail, ok, tableNotFound, type Result } from '../errors.js';
import { findTable, suggestTable, type SchemaCache, type Table } from '../schema/model.js';
import { capRange } from '../request/range.js';
import { capEmbeds, planEmbeds, type EmbedPlan } from './embed.js';
import { legacyTargetError, resolveLegacyTargets } from './legacy-targets.js';
import type { ApiRequest, RowRange } from '../request/types.js';
import { txDecision, type TxEndSetting } from './tx-end.js';
import { upsertParts, type Conflict, type PutKey } from './upsert.js';
import { callPlan, type CallPlan } from './rpc.js';
import { resolveMedia } from './media-resolve.js';

export interface PlanConfig {
  readonly maxRows: number | null;
  /** db-tx-end (default commit): whether a write commits, and whether Prefer: tx may say. */
  readonly txEnd?: TxEndSetting;
  /** db-plan-enabled: whether Accept: application/vnd.pgrst.plan is answered. */
  readonly planEnabled?: boolean;
  /** url-use-legacy-target-names (default true): an aliased embed may be named by its table. */
  readonly legacyTargetNames?: boolean;
  /** db-aggregates-enabled: whether `select` may use count()/sum()/avg()/min()/max(). */
  readonly aggregatesEnabled?: boolean;
}

export type MutationKind = 'insert' | 'update' | 'delete';

export type Plan =
  | {
      readonly kind: 'read';
      readonly table: Table;
      readonly request: ApiRequest;
      readonly range: RowRange;
      readonly headOnly: boolean;
      readonly maxRows: number | null;
      readonly embeds: readonly EmbedPlan[];
    }
  | {
      readonly kind: 'mutate';
      readonly mutation: MutationKind;
      readonly table: Table;
      readonly request: ApiRequest;
      /** Payload columns written (insert/update). */
      readonly columns: readonly string[];
      readonly returnRepresentation: boolean;
      /** ON CONFLICT target and action of an upsert (POST with resolution=, or PUT). */
      readonly conflict: Conflict | null;
      /** PUT: the URL's primary-key values the body must repeat (PGRST115 otherwise). */
      readonly putKey: readonly PutKey[] | null;
      /** Prefer: max-affected=N with handling=strict (PGRST124 and a rollback beyond it). */
      readonly maxAffected: number | null;
      /** db-tx-end/Prefer: tx said roll back; `txApplied` goes to Preference-Applied. */
      readonly rollback: boolean;
      readonly txApplied: 'commit' | 'rollback' | null;
      /** Embeds of the representation, joined to the written rows. */
      readonly embeds: readonly EmbedPlan[];
    }
  | CallPlan;

export function actionPlan(original: ApiRequest, cache: SchemaCache, config: PlanConfig): Result<Plan> {
  if (original.aggregates === true && config.aggregatesEnabled !== true) return fail(aggregatesNotAllowed());
  if (config.legacyTargetNames === false) {
    const legacy = legacyTargetError(original.select, original.filters, original.embedParams);
    if (legacy !== null) return fail(legacy);
  }
  const given = config.legacyTargetNames === false ? original : withLegacyTargets(original);
  const mediaConfig = { planEnabled: config.planEnabled === true };
  if (given.action.kind === 'call') {
    const call = callPlan(given, cache, config.maxRows, config.txEnd);
    if (!call.ok) return call;
    // A set-of-table function answers for its table's handlers, any other for its own.
    const table = call.value.table;
    const resolved = resolveMedia(given, cache, { schema: table.schema, name: table.name, call: true }, mediaConfig);
    if (!resolved.ok) return resolved;
    return resolved.value === given ? call : ok({ ...call.value, request: resolved.value });
  }
  const table = findTable(cache, given.schema, given.relation);
  if (table === undefined) {
    return fail(tableNotFound(given.schema, given.relation, suggestTable(cache, given.schema, given.relation)));
  }
  const resolved = resolveMedia(given, cache, { schema: table.schema, name: table.name, call: false }, mediaConfig);
  if (!resolved.ok) return resolved;
  const request = resolved.value;
  const action = request.action;
  switch (action.kind) {
    case 'call':
      throw new Error('actionPlan: calls are planned above');
    case 'read': {
      const planned = planEmbeds(cache, table, request.select, request.filters, request.embedParams, request.order);
      if (!planned.ok) return planned;
      // Embed null filters (`rel=is.null`) leave the top-level WHERE: embed-sql.ts applies them.
      const req = planned.value.rootFilters.length === request.filters.length ? request : { ...request, filters: planned.value.rootFilters };
      const range = capRange(request.range, config.maxRows);
      return ok({ kind: 'read', table, request: req, range, headOnly: action.headOnly, maxRows: config.maxRows, embeds: capEmbeds(planned.value.embeds, config.maxRows) });
    }
    case 'create':
    case 'upsert':
    case 'update':
    case 'delete': {
      const mutation: MutationKind = action.kind === 'create' || action.kind === 'upsert' ? 'insert' : action.kind;
      // Only embedded filters go to the embeds: a top-level `rel=is.null` must never widen
      // what a PATCH/DELETE touches, so it stays a (failing) filter on the written table.
      const planned = planEmbeds(cache, table, request.select, request.filters.filter((f) => f.path.length > 0), request.embedParams, request.order);
      if (!planned.ok) return planned;
      const columns = request.payload?.keys ?? [];
      for (const c of columns) {
        if (!table.columnsByName.has(c)) return fail(columnNotFound(c, table.name));
      }
      const upsert = upsertParts(request, table);
      if (!upsert.ok) return upsert;
      const prefs = request.preferences;
      const tx = txDecision(config.txEnd ?? 'commit', prefs);
      return ok({
        kind: 'mutate',
        mutation,
        table,
        request,
        columns,
        returnRepresentation: prefs.return === 'representation',
        conflict: upsert.value.conflict,
        putKey: upsert.value.putKey,
        rollback: tx.rollback,
        txApplied: tx.applied,
        embeds: planned.value.embeds,
        maxAffected: prefs.handling === 'strict' && action.kind !== 'create' && action.kind !== 'upsert' ? prefs.maxAffected : null,
      });
    }
  }
}

/** Paths naming an aliased embed by its table resolved to the alias, and the request marked for the Warning header. */
function withLegacyTargets(request: ApiRequest): ApiRequest {
  const r = resolveLegacyTargets(request.select, request.filters, request.embedParams);
  return r.used ? { ...request, filters: r.filters, embedParams: r.params, legacyTargets: r.renames } : request;
}
