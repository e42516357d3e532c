// actionPlan: ApiRequest × SchemaCache → a plan (target table resolved, payload columns
// checked, row cap applied). Plans are data; statements.ts turns them into SQL.

import { columnNotFound, fail, ok, tableNotFound, type Result } from './errors.js';
import { findTable, suggestTable, type SchemaCache, type Table } from './schema/model.js';
import { capRange } from './range.js';
import type { ApiRequest, RowRange } from './types.js';
import { callPlan, type CallPlan } from './rpc.js';

export interface PlanConfig {
  readonly maxRows: number | null;
}

export type MutationKind = 'insert' | 'update' | 'delete';

export type Plan =
  | { readonly kind: 'read'; readonly table: Table; readonly request: ApiRequest; readonly range: RowRange; readonly headOnly: boolean; readonly maxRows: number | null }
  | {
      readonly kind: 'mutate';
      readonly mutation: MutationKind;
      readonly table: Table;
      readonly request: ApiRequest;
      /** Payload columns written (insert/update). */
      readonly columns: readonly string[];
      readonly returnRepresentation: boolean;
    }
  | CallPlan;

export function actionPlan(request: ApiRequest, cache: SchemaCache, config: PlanConfig): Result<Plan> {
  if (request.action.kind === 'call') return callPlan(request, cache, config.maxRows);
  const table = findTable(cache, request.schema, request.relation);
  if (table === undefined) {
    return fail(tableNotFound(request.schema, request.relation, suggestTable(cache, request.schema, request.relation)));
  }
  const action = request.action;
  switch (action.kind) {
    case 'read': {
      return ok({ kind: 'read', table, request, range: capRange(request.range, config.maxRows), headOnly: action.headOnly, maxRows: config.maxRows });
    }
    case 'create':
    case 'update':
    case 'delete': {
      const mutation: MutationKind = action.kind === 'create' ? 'insert' : action.kind;
      const columns = request.payload?.keys ?? [];
      for (const c of columns) {
        if (!table.columnsByName.has(c)) return fail(columnNotFound(c, table.name));
      }
      return ok({
        kind: 'mutate',
        mutation,
        table,
        request,
        columns,
        returnRepresentation: request.preferences.return === 'representation',
      });
    }
  }
}
