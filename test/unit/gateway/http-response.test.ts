// Unit tests for gateway/http-response.ts's mapping of protocol failures: pool timeout → 504
// PGRST003, lost connection → 503 PGRST001, unreachable database → 503 PGRST000 with the
// pool's Retry-After, and server errors keeping their SQLSTATE.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureResponse } from '../../../gateway/http-response.js';
import { ClientError, PgError } from '../../../protocol/index.js';

function header(r: ReturnType<typeof failureResponse>, name: string): string | undefined {
  return r.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

function code(r: ReturnType<typeof failureResponse>): string {
  return (JSON.parse(String(r.body)) as { code: string }).code;
}

test('pool timeout → 504 PGRST003', () => {
  const r = failureResponse(new ClientError('POOL_TIMEOUT', 'x'), false);
  assert.equal(r.status, 504);
  assert.equal(code(r), 'PGRST003');
});

test('lost connection → 503 PGRST001 with Retry-After', () => {
  const r = failureResponse(new ClientError('CONNECTION_CLOSED', 'lost'), false);
  assert.equal(r.status, 503);
  assert.equal(code(r), 'PGRST001');
  assert.equal(header(r, 'Retry-After'), '1');
});

test('database unreachable → 503 PGRST000 with the seconds until the next attempt', () => {
  const r = failureResponse(new ClientError('CONNECT_FAILED', 'refused', 8), false);
  assert.equal(r.status, 503);
  assert.equal(code(r), 'PGRST000');
  assert.equal(header(r, 'Retry-After'), '8');
});

test('a server error keeps its SQLSTATE', () => {
  const r = failureResponse(new PgError({ code: '23505', message: 'duplicate key' }), false);
  assert.equal(r.status, 409);
  assert.equal(code(r), '23505');
});

test('an aborted request (client gone) → 499, never a 500', () => {
  const r = failureResponse(new ClientError('ABORTED', 'gone'), false);
  assert.equal(r.status, 499);
});
