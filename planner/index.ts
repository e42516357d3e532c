// The public surface of planner/, what gateway/ and bench/ import (only from here): each
// stage folder's own index.ts, and the API errors shared by all of them. Everything here is
// pure: no I/O, no node:* imports, deterministic output.

export * from './schema/index.js';
export * from './request/index.js';
export * from './plan/index.js';
export * from './sql/index.js';
export * from './openapi/index.js';
export { isRecord } from './json.js';
export { apiError, pgErrorStatus, singularityError, type ApiError, type Result } from './errors.js';
