// The statements that roll a request back, when tx-end.ts decided it must. A rollback runs the
// main statement to completion (its AFTER triggers fire), then checks the deferred constraints
// (SET CONSTRAINTS ALL IMMEDIATE), then fails on purpose so the request's implicit transaction
// (one Sync group, no BEGIN) rolls back. An explicit BEGIN … ROLLBACK would leave an aborted
// block behind for the pipelined neighbours whenever a statement before the ROLLBACK failed; a
// failing last statement never does. Pure.

import type { Compiled } from './sql.js';

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
