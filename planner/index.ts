// The public surface of planner/: request parsing, planning, SQL, schema-cache model, errors.
// Everything here is pure: no I/O, no node:* imports, deterministic output.

export { toApiRequest, requestHead, withBody, parseJsonPayload, type RawRequest, type RequestConfig, type RequestHead } from './request.js';
export { insertProbe } from './privilege-probe.js';
export { actionPlan, type Plan, type PlanConfig } from './plan.js';
export { mainStatement, mainStatementSql, txVarsStatement, preRequestStatement, MainColumns, WriteColumns, resultColumns, singularWriteRows, type RequestContext } from './statements.js';
export { arrayLiteral } from './operators.js';
export { decodeSchemaCache, type CatalogAnswer } from './schema/decode.js';
export { NO_COMMENTS, NO_TYPES } from './schema/annotations.js';
export { commentsQuery, computedRelationshipsQuery, typesQuery, foreignKeysQuery, tablesQuery, viewsQuery } from './schema/queries.js';
export { routinesQuery } from './schema/routines.js';
export { mediaHandlersQuery, type MediaHandler, type MediaHandlers } from './schema/media-handlers.js';
export { hoistedSettings } from './rpc.js';
export type { SchemaCache, Table, Column } from './schema/model.js';
export { apiError, pgErrorStatus, type ApiError, type Result } from './errors.js';
export type { ApiRequest } from './types.js';
export { collectParams, compile, type Compiled, type Sql } from './sql.js';
export { contentType, negotiate } from './media.js';
export { rangeAnswer } from './range.js';
export { singularityError } from './errors.js';
export { estimateSql, estimateStatement, plannedRows, reportedTotal } from './count.js';
export { locationHeader, markerError, writeMarker } from './mutate-sql.js';
export { txDecision, type TxDecision, type TxEndSetting } from './tx-end.js';
export { isRollback, rollbackStatements } from './tx-end-sql.js';
export { legacyTargetWarning } from './legacy-targets.js';
