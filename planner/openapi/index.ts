// planner/openapi/: the API described from the schema cache (Swagger 2.0 as PostgREST serves
// it, OpenAPI 3.1 from the same document) and the role's privileges for follow-privileges.
// Reads schema/ only, and no stage reads it. This file is the folder's part of planner/'s
// public surface (planner/index.ts re-exports it).

export { openApiSpec } from './openapi.js';
export { toOpenApi31 } from './openapi3.js';
export { decodeOpenApiAccess, openApiAccessQuery } from './openapi-access.js';
