// db-tx-end × Prefer: tx → commit or roll back a write, and whether the client's preference
// is echoed. The statements that roll it back are tx-end-sql.ts's. Pure.

import type { Preferences } from '../request/types.js';

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
