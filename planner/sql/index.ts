// planner/sql/: the last stage, plans into statements ({ text, params }, the text depending on
// the request's shape alone), built through sql.ts, the one place SQL text is assembled. This
// file is the folder's part of planner/'s public surface (planner/index.ts re-exports it).

export { mainStatement, mainStatementSql, txVarsStatement, preRequestStatement, MainColumns, WriteColumns, resultColumns, singularWriteRows, type RequestContext } from './statements.js';
export { arrayLiteral } from './operators.js';
export { collectParams, compile, quoteIdent, type Compiled, type Sql } from './sql.js';
export { estimateSql, estimateStatement, plannedRows, reportedTotal } from './count.js';
export { locationHeader, markerError, writeMarker } from './mutate-sql.js';
export { isRollback, rollbackStatements } from './tx-end-sql.js';
export { insertProbe } from './privilege-probe.js';
