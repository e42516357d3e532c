// db-tx-end × Prefer: tx → commit or roll back a write, and the statements that roll it back.
// A rollback runs the main statement to completion (its AFTER triggers fire), then checks the
// deferred constraints (SET CONSTRAINTS ALL IMMEDIATE), then fails on purpose so the request's
// implicit transaction (one Sync group, no BEGIN) rolls back. An explicit BEGIN … ROLLBACK
// would leave an aborted block behind for the pipelined neighbours whenever a statement
// before the ROLLBACK failed; a failing last statement never does. Pure.

import type { Compiled } from './sql.js';
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

/** Deferred constraints (and constraint triggers) are checked now, so a violation still answers 409. */
export const constraintsImmediateStatement: Compiled = { text: 'SET CONSTRAINTS ALL IMMEDIATE', params: [] };

/**
 * The last statement of a rolled-back request: a deliberate error ending the implicit
 * transaction. The concatenation with now() keeps the cast from being folded at plan time.
 */
export const rollbackStatement: Compiled = { text: "SELECT ('pgrst-rollback:' || pg_catalog.now()::text)::int", params: [] };

/** The statements that follow the main statement of a request that must roll back. */
export const rollbackStatements: readonly Compiled[] = [constraintsImmediateStatement, rollbackStatement];

const ROLLBACK_ERROR = /^invalid input syntax for type integer: "pgrst-rollback:/;

/** Whether an error is rollbackStatement's (every statement before it completed). */
export const isRollback = (sqlstate: string, message: string): boolean => sqlstate === '22P02' && ROLLBACK_ERROR.test(message);
