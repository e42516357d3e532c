// The public surface of protocol/: connections, the pool, connection settings and errors.

export { Connection, type ConnectionOptions, type Query, type QueryResult } from './connection.js';
export { Pool, type PoolOptions, type RunOptions } from './pool.js';
export { parseConnInfo, type ConnInfo } from './conninfo.js';
export { ClientError, PgError, type ClientErrorCode, type PgErrorFields } from './errors.js';
export { AbortFlag, type AbortHook } from './abort.js';
