// planner/plan/: the second stage, an ApiRequest resolved against the schema cache (target,
// embeds, routine, upsert conflict, media handler, transaction end) into a Plan. This file is
// the folder's part of planner/'s public surface (planner/index.ts re-exports it); inside
// planner/, the sql/ stage imports this folder's files directly.

export { actionPlan, type Plan, type PlanConfig } from './plan.js';
export { accepts, hoistedSettings } from './rpc.js';
export { txDecision, type TxDecision, type TxEndSetting } from './tx-end.js';
export { legacyTargetWarning } from './legacy-targets.js';
