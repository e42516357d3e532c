// Unit tests for gateway/replicas.ts: which errors from a replica send the read to the primary,
// and which of those take the replica out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isReplicaBusy, isReplicaFault } from '../../../gateway/replicas.js';
import { ClientError, PgError } from '../../../protocol/index.js';

test('connection-level failures and shutdowns are the replica\'s fault', () => {
  for (const code of ['CONNECTION_CLOSED', 'CONNECT_FAILED', 'AUTH_FAILED', 'PROTOCOL_VIOLATION'] as const) {
    assert.equal(isReplicaFault(new ClientError(code, 'x')), true, code);
  }
  for (const code of ['57P01', '57P02', '57P03', '08006']) assert.equal(isReplicaFault(new PgError({ code, message: 'x' })), true, code);
  assert.equal(isReplicaFault(new PgError({ code: '40001', message: 'canceling statement due to conflict with recovery' })), true);
});

test('a client that went away and errors of the request itself are not', () => {
  assert.equal(isReplicaFault(new ClientError('ABORTED', 'gone')), false);
  for (const code of ['42P01', '42501', '25006', '22P02', '57014']) assert.equal(isReplicaFault(new PgError({ code, message: 'x' })), false, code);
  assert.equal(isReplicaFault(new PgError({ code: '40001', message: 'could not serialize access' })), false);
  assert.equal(isReplicaFault(new Error('boom')), false);
});

test('a replica without a free connection in time is busy, not broken: the read moves, the replica stays in', () => {
  assert.equal(isReplicaBusy(new ClientError('POOL_TIMEOUT', 'x')), true);
  assert.equal(isReplicaFault(new ClientError('POOL_TIMEOUT', 'x')), false);
  for (const code of ['CONNECTION_CLOSED', 'CONNECT_FAILED', 'ABORTED'] as const) assert.equal(isReplicaBusy(new ClientError(code, 'x')), false, code);
  assert.equal(isReplicaBusy(new PgError({ code: '57014', message: 'x' })), false);
});
