// Unit tests for the pure pieces of the start guard of pipelined writes: the clock offset from
// one reading of the server's clock, the deadline on the server's clock, the guard statement,
// and which error is the guard's.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clockOffsetMs, GUARD_TEXT, isGuardFailure, serverDeadline, startGuard } from '../../../protocol/start-guard.js';
import { ClientError, PgError } from '../../../protocol/errors.js';

describe('clock offset', () => {
  test('the server read its clock half way through the round trip', () => {
    // Sent at 1000, answered at 2000: the server's 1.5 s is our 1500, offset 0.
    assert.equal(clockOffsetMs('1.5', 1000, 2000), 0);
    // Microseconds as float8 prints them: within a microsecond.
    const us = clockOffsetMs('1733284553.123456', 1733284553_000, 1733284553_246);
    assert.ok(us !== null && Math.abs(us - 0.456) < 0.001, String(us));
    // A server 2.5 s ahead; fractional seconds as float8 prints them.
    assert.equal(clockOffsetMs('1733284553.5', 1733284550_990, 1733284551_010), 2500);
    // One behind.
    assert.equal(clockOffsetMs('99', 100_000, 100_000), -1000);
  });
  test('an answer that is not a number, or a clock that went back, gives no offset', () => {
    assert.equal(clockOffsetMs('', 0, 1), null);
    assert.equal(clockOffsetMs('NaN', 0, 1), null);
    assert.equal(clockOffsetMs('Infinity', 0, 1), null);
    assert.equal(clockOffsetMs('x', 0, 1), null);
    assert.equal(clockOffsetMs('1', 10, 5), null);
  });
});

describe('deadline on the server clock', () => {
  test('our deadline plus the offset, as an ISO timestamp with milliseconds', () => {
    assert.equal(serverDeadline(Date.UTC(2026, 11, 4, 4, 0, 0, 500), 0), '2026-12-04T04:00:00.500Z');
    assert.equal(serverDeadline(Date.UTC(2026, 11, 4, 4, 0, 0, 500), 2500), '2026-12-04T04:00:03.000Z');
    assert.equal(serverDeadline(Date.UTC(2026, 11, 4, 4, 0, 0, 500), -600), '2026-12-04T03:59:59.900Z');
  });
  test('a fractional offset rounds the deadline down (earlier: never a late start let through)', () => {
    assert.equal(serverDeadline(Date.UTC(2026, 0, 1), 0.9), '2026-01-01T00:00:00.000Z');
    assert.equal(serverDeadline(Date.UTC(2026, 0, 1), -0.1), '2025-12-31T23:59:59.999Z');
  });
  test('one fixed text, the deadline a parameter', () => {
    const a = startGuard(1000, 0);
    const b = startGuard(2_000_000, 5);
    assert.equal(a.text, GUARD_TEXT);
    assert.equal(b.text, GUARD_TEXT);
    assert.deepEqual(a.params, ['1970-01-01T00:00:01.000Z']);
    assert.deepEqual(b.params, ['1970-01-01T00:33:20.005Z']);
  });
});

describe('the guard failure', () => {
  const err = (code: string, completed: number): PgError => {
    const e = new PgError({ code, message: 'division by zero' });
    e.completed = Array.from({ length: completed }, () => []);
    return e;
  };
  test('division by zero in the first statement is the guard', () => {
    assert.equal(isGuardFailure(err('22012', 0)), true);
  });
  test('a division by zero after it, another error, or not a server error, is not', () => {
    assert.equal(isGuardFailure(err('22012', 1)), false);
    assert.equal(isGuardFailure(err('57014', 0)), false);
    assert.equal(isGuardFailure(new ClientError('CONNECTION_CLOSED', 'lost')), false);
    assert.equal(isGuardFailure(new Error('division by zero')), false);
  });
});
