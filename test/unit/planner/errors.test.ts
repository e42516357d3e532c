// Unit tests for planner/errors.ts: the SQLSTATE → HTTP status table PostgREST uses
// (pgErrorStatus), including the authenticated/anonymous split for 42501 and PTnnn codes.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { pgErrorStatus } from '../../../planner/errors.js';

describe('pgErrorStatus', () => {
  // [sqlstate, status anonymous, status authenticated, what it is]
  const cases: [string, number, number, string][] = [
    ['23505', 409, 409, 'unique violation'],
    ['23503', 409, 409, 'foreign key violation'],
    ['23502', 400, 400, 'not null violation'],
    ['23514', 400, 400, 'check violation'],
    ['22P02', 400, 400, 'invalid text representation'],
    ['42501', 401, 403, 'insufficient privilege'],
    ['42P01', 404, 404, 'undefined table'],
    ['42883', 404, 404, 'undefined function'],
    ['42703', 400, 400, 'undefined column'],
    ['25006', 405, 405, 'read-only transaction'],
    ['25001', 500, 500, 'active transaction'],
    ['08006', 503, 503, 'connection failure'],
    ['08000', 503, 503, 'connection exception'],
    ['57014', 500, 500, 'query canceled'],
    ['57P01', 503, 503, 'admin shutdown'],
    ['P0001', 400, 400, 'raise_exception'],
    ['P0002', 500, 500, 'no_data_found'],
    ['PT404', 404, 404, 'custom status from RAISE'],
    ['PT402', 402, 402, 'custom status from RAISE'],
    ['40001', 500, 500, 'serialization failure'],
    ['53300', 503, 503, 'too many connections'],
    ['53400', 500, 500, 'configuration limit exceeded'],
    ['53100', 503, 503, 'disk full'],
    ['54000', 500, 500, 'program limit exceeded'],
    ['28P01', 403, 403, 'invalid password'],
    ['0P000', 403, 403, 'invalid role specification'],
    ['XX000', 500, 500, 'internal error'],
    ['42P17', 500, 500, 'invalid object definition'],
  ];
  for (const [code, anonymous, authenticated, what] of cases) {
    test(`${code} (${what}) → ${anonymous === authenticated ? anonymous : `${anonymous} anonymous / ${authenticated} authenticated`}`, () => {
      assert.equal(pgErrorStatus(code, 'message', false), anonymous);
      assert.equal(pgErrorStatus(code, 'message', true), authenticated);
    });
  }

  test('PT codes that are no number are 500 (PostgREST); numbers no HTTP status can carry are 500 too', () => {
    assert.equal(pgErrorStatus('PT099', '', false), 500);
    assert.equal(pgErrorStatus('PT600', '', false), 500);
    assert.equal(pgErrorStatus('PTabc', '', false), 500);
    assert.equal(pgErrorStatus('PT40A', '', false), 500);
    assert.equal(pgErrorStatus('PT418', '', false), 418);
    assert.equal(pgErrorStatus('PT 40', '', false), 500);
  });

  test('21000 depends on the message (missing WHERE clause is a client error)', () => {
    assert.equal(pgErrorStatus('21000', 'UPDATE requires a WHERE clause', false), 400);
    assert.equal(pgErrorStatus('21000', 'more than one row returned by a subquery', false), 500);
  });

  test('22023 "role does not exist" is 401, other invalid parameters 400', () => {
    assert.equal(pgErrorStatus('22023', 'role "nobody" does not exist', true), 401);
    assert.equal(pgErrorStatus('22023', 'invalid value for parameter', true), 400);
  });

  test('42883 for xmlagg is 406 (unsupported media type handler)', () => {
    assert.equal(pgErrorStatus('42883', 'function xmlagg(record) does not exist', false), 406);
  });
});
