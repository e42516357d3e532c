// db-tx-end × Prefer: tx → commit or roll back a write, and the rollback wrapper. A rollback
// is a deliberate cast error raised after the main statement ran, carrying its result row:
// the batch stays one implicit transaction (no BEGIN), so a failure can never leave the
// connection in an aborted block that pipelined neighbours would inherit. Pure.

import { keyword, sql, type Sql } from './sql.js';
import type { Preferences } from './types.js';

export type TxEndSetting = 'commit' | 'commit-allow-override' | 'rollback' | 'rollback-allow-override';

export interface TxDecision {
  readonly rollback: boolean;
  /** `tx=…` for Preference-Applied when the client's preference was honoured. */
  readonly applied: 'commit' | 'rollback' | null;
}

export function txDecision(setting: TxEndSetting, prefs: Preferences): TxDecision {
  const override = setting === 'commit-allow-override' || setting === 'rollback-allow-override';
  const base = setting === 'rollback' || setting === 'rollback-allow-override';
  if (override && prefs.tx !== null) return { rollback: prefs.tx === 'rollback', applied: prefs.tx };
  return { rollback: base, applied: null };
}

const ROLLBACK_MARKER = 'pgrst-rollback:';
const ROLLBACK_ERROR = /^invalid input syntax for type integer: "pgrst-rollback:(.*)"$/s;
const COLUMNS = ['total_result_set', 'page_total', 'body', 'response_headers', 'response_status', 'location', 'inserted'];

/** The final SELECT of a rolled-back write: its one result row, cast into the marker error. */
export function rollbackSelect(result: Sql): Sql {
  const cells = COLUMNS.map((c) => `_pgrst_r.${c}::text`).join(', ');
  return sql`, pgrst_result AS (${result}) SELECT ('${keyword(ROLLBACK_MARKER)}' || json_build_array(${keyword(cells)})::text)::int FROM pgrst_result _pgrst_r`;
}

const PLAN_ROLLBACK_ERROR = /^invalid input syntax for type integer: "pgrst-rollback-plan:/;

/**
 * Sent after the EXPLAIN of a write that must roll back: a deliberate error ending the batch's
 * implicit transaction (never an explicit block an error could leave open for neighbours).
 * The concatenation with now() keeps the cast from being folded before the EXPLAIN ran.
 */
export const planRollbackStatement = { text: "SELECT ('pgrst-rollback-plan:' || pg_catalog.now()::text)::int", params: [] as const };

/** Whether an error is planRollbackStatement's. */
export const isPlanRollback = (sqlstate: string, message: string): boolean => sqlstate === '22P02' && PLAN_ROLLBACK_ERROR.test(message);

/** The main statement's row carried by a rollback error, or null for any other error. */
export function rolledBackRow(sqlstate: string, message: string): (string | null)[] | null {
  if (sqlstate !== '22P02') return null;
  const m = ROLLBACK_ERROR.exec(message);
  if (m === null) return null;
  try {
    const cells: unknown = JSON.parse(m[1]!);
    if (!Array.isArray(cells)) return null;
    return cells.map((c: unknown) => (typeof c === 'string' ? c : null));
  } catch {
    return null;
  }
}
