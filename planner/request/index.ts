// planner/request/: the first stage, reading the HTTP request (URL grammar, Prefer, Range,
// Accept, bodies) into an ApiRequest without looking at the schema beyond an early 404. This
// file is the folder's part of planner/'s public surface (planner/index.ts re-exports it);
// inside planner/, later stages import this folder's files directly.

export { toApiRequest, requestHead, withBody, parseJsonPayload, parseJsonPayloadText, type RawRequest, type RequestConfig, type RequestHead } from './request.js';
export type { ApiRequest } from './types.js';
export { contentType, negotiate } from './media.js';
export { rangeAnswer } from './range.js';
