// The public surface of planner/: request parsing, planning, SQL, schema-cache model, errors.
// Everything here is pure: no I/O, no node:* imports, deterministic output.

export { toApiRequest, requestHead, withBody, parseJsonPayload, type RawRequest, type RequestConfig, type RequestHead } from './request/request.js';
export { insertProbe } from './sql/privilege-probe.js';
export { actionPlan, type Plan, type PlanConfig } from './plan/plan.js';
export { mainStatement, mainStatementSql, txVarsStatement, preRequestStatement, MainColumns, WriteColumns, resultColumns, singularWriteRows, type RequestContext } from './sql/statements.js';
export { arrayLiteral } from './sql/operators.js';
export { decodeSchemaCache, type CatalogAnswer } from './schema/decode.js';
export { NO_COMMENTS, NO_TYPES } from './schema/annotations.js';
export { commentsQuery, computedRelationshipsQuery, typesQuery, foreignKeysQuery, tablesQuery, viewsQuery } from './schema/queries.js';
export { routinesQuery } from './schema/routines.js';
export { mediaHandlersQuery, type MediaHandler, type MediaHandlers } from './schema/media-handlers.js';
export { hoistedSettings } from './plan/rpc.js';
export type { SchemaCache, Table, Column } from './schema/model.js';
export { apiError, pgErrorStatus, type ApiError, type Result } from './errors.js';
export type { ApiRequest } from './request/types.js';
export { collectParams, compile, type Compiled, type Sql } from './sql/sql.js';
export { contentType, negotiate } from './request/media.js';
export { rangeAnswer } from './request/range.js';
export { singularityError } from './errors.js';
export { estimateSql, estimateStatement, plannedRows, reportedTotal } from './sql/count.js';
export { locationHeader, markerError, writeMarker } from './sql/mutate-sql.js';
export { txDecision, type TxDecision, type TxEndSetting } from './plan/tx-end.js';
export { isRollback, rollbackStatements } from './sql/tx-end-sql.js';
export { legacyTargetWarning } from './plan/legacy-targets.js';
