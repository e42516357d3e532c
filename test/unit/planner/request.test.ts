// Unit tests for planner/request/request.ts and planner/request/preferences.ts: method → action, path rules,
// Accept-Profile/Content-Profile schema choice, Prefer parsing and handling=strict, and
// parseJsonPayload's keys and PGRST102 errors.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { parseJsonPayload, toApiRequest, type RawRequest } from '../../../planner/request/request.js';
import { noPreferences, parsePreferences } from '../../../planner/request/preferences.js';
import type { ApiError } from '../../../planner/errors.js';
import type { ApiRequest, Preferences } from '../../../planner/request/types.js';

const config = { schemas: ['api', 'other'] };
const encoder = new TextEncoder();

function raw(method: string, path: string, query = '', headers: Record<string, string> = {}, body: string | null = null): RawRequest {
  return { method, path, query, headers, body: body === null ? null : encoder.encode(body) };
}

function request(...args: Parameters<typeof raw>): ApiRequest {
  const r = toApiRequest(raw(...args), config);
  if (!r.ok) assert.fail(`${args[0]} ${args[1]} should parse, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function error(...args: Parameters<typeof raw>): ApiError {
  const r = toApiRequest(raw(...args), config);
  if (r.ok) assert.fail(`${args[0]} ${args[1]} should fail`);
  return r.error;
}

describe('method → action', () => {
  const supported: [string, ApiRequest['action']][] = [
    ['GET', { kind: 'read', headOnly: false }],
    ['HEAD', { kind: 'read', headOnly: true }],
    ['POST', { kind: 'create' }],
    ['PATCH', { kind: 'update' }],
    ['DELETE', { kind: 'delete' }],
  ];
  for (const [method, action] of supported) {
    test(method, () => assert.deepEqual(request(method, '/todos', '', {}, '{}').action, action));
  }

  // OPTIONS is in the Method type but not implemented here: it gets 405 like TRACE.
  for (const method of ['OPTIONS', 'TRACE', 'CONNECT', 'get']) {
    test(`${method} → 405 PGRST117`, () => {
      const e = error(method, '/todos', '', {}, '{}');
      assert.equal(e.status, 405);
      assert.equal(e.code, 'PGRST117');
      assert.equal(e.message, `Unsupported HTTP method: ${method}`);
    });
  }

  test('GET, HEAD and DELETE ignore the body; POST and PATCH parse it', () => {
    assert.equal(request('GET', '/todos', '', {}, 'not json').payload, null);
    assert.equal(request('DELETE', '/todos', '', {}, 'not json').payload, null);
    assert.deepEqual(request('PATCH', '/todos', '', {}, '{"a":1}').payload, { json: '{"a":1}', keys: ['a'], isArray: false });
  });
});

describe('path', () => {
  test('/rpc/f is a function call on f', () => {
    const r = request('GET', '/rpc/f');
    assert.deepEqual([r.action.kind, r.relation], ['call', 'f']);
  });

  test('one segment names the relation, percent-decoded', () => {
    assert.equal(request('GET', '/todos').relation, 'todos');
    assert.equal(request('GET', '/my%20table').relation, 'my table');
    assert.equal(request('GET', '//todos//').relation, 'todos');
  });

  for (const path of ['/todos/1', '/a/b/c', '/rpc', '/rpc/f/g']) {
    test(`${path} → 404 PGRST125`, () => {
      const e = error('GET', path);
      assert.deepEqual([e.status, e.code, e.message], [404, 'PGRST125', 'Invalid path specified in request URL']);
    });
  }

  test('the root path is not served yet (404 PGRST126)', () => {
    for (const path of ['/', '']) {
      const e = error('GET', path);
      assert.deepEqual([e.status, e.code], [404, 'PGRST126']);
    }
  });
});

describe('schema profiles', () => {
  test('the first configured schema is the default', () => {
    assert.equal(request('GET', '/todos').schema, 'api');
    assert.equal(request('POST', '/todos', '', {}, '{}').schema, 'api');
  });

  test('Accept-Profile chooses the schema for GET and HEAD', () => {
    assert.equal(request('GET', '/todos', '', { 'accept-profile': 'other' }).schema, 'other');
    assert.equal(request('HEAD', '/todos', '', { 'accept-profile': 'other' }).schema, 'other');
  });

  test('Content-Profile chooses the schema for POST, PATCH and DELETE', () => {
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      assert.equal(request(method, '/todos', '', { 'content-profile': 'other' }, '{}').schema, 'other', method);
    }
  });

  test('the other profile header is ignored', () => {
    assert.equal(request('GET', '/todos', '', { 'content-profile': 'other' }).schema, 'api');
    assert.equal(request('POST', '/todos', '', { 'accept-profile': 'other' }, '{}').schema, 'api');
  });

  test('the schema is part of the shape key', () => {
    assert.notEqual(request('GET', '/todos').shape, request('GET', '/todos', '', { 'accept-profile': 'other' }).shape);
  });

  for (const [method, header] of [['GET', 'accept-profile'], ['POST', 'content-profile']] as const) {
    test(`unknown ${header} → 406 PGRST106`, () => {
      const e = error(method, '/todos', '', { [header]: 'nope' }, '{}');
      assert.equal(e.status, 406);
      assert.equal(e.code, 'PGRST106');
      assert.equal(e.message, 'Invalid schema: nope');
      assert.equal(e.hint, 'Only the following schemas are exposed: api, other');
    });
  }
});

describe('Prefer', () => {
  const cases: [string, Preferences][] = [
    ['', { ...noPreferences, return: null, count: null, handling: null, invalid: [] }],
    ['return=minimal', { ...noPreferences, return: 'minimal', count: null, handling: null, invalid: [] }],
    ['return=headers-only', { ...noPreferences, return: 'headers-only', count: null, handling: null, invalid: [] }],
    ['return=representation, count=exact, handling=lenient', { ...noPreferences, return: 'representation', count: 'exact', handling: 'lenient', invalid: [] }],
    ['count=planned', { ...noPreferences, return: null, count: 'planned', handling: null, invalid: [] }],
    ['count=estimated', { ...noPreferences, return: null, count: 'estimated', handling: null, invalid: [] }],
    ['return=minimal,return=representation,count=planned,count=exact', { ...noPreferences, return: 'minimal', count: 'planned', handling: null, invalid: [] }],
    ['handling=strict, handling=lenient', { ...noPreferences, return: null, count: null, handling: 'strict', invalid: [] }],
    [' RETURN=minimal ,, count = exact', { ...noPreferences, return: 'minimal', count: 'exact', handling: null, invalid: [] }],
    ['read=primary, handling=strict', { ...noPreferences, read: 'primary', handling: 'strict', invalid: [] }],
    ['read=replica', { ...noPreferences, invalid: ['read=replica'] }],
    ['return=bogus, foo=bar, tx=commit', { ...noPreferences, tx: 'commit', invalid: ['return=bogus', 'foo=bar'] }],
    ['resolution=merge-duplicates, missing=default, tx=rollback, max-affected=5', { ...noPreferences, resolution: 'merge-duplicates', missing: 'default', tx: 'rollback', maxAffected: 5 }],
    ['max-affected=-1, tx=maybe', { ...noPreferences, invalid: ['max-affected=-1', 'tx=maybe'] }],
    ['return=Minimal', { ...noPreferences, return: null, count: null, handling: null, invalid: ['return=Minimal'] }],
  ];
  for (const [header, expected] of cases) {
    test(header === '' ? '(empty header)' : header, () => {
      assert.deepEqual(parsePreferences(header === '' ? undefined : header), expected);
      assert.deepEqual(request('GET', '/todos', '', header === '' ? {} : { prefer: header }).preferences, expected);
    });
  }

  test('handling=strict with an invalid preference → 400 PGRST122', () => {
    for (const header of ['handling=strict, foo=bar', 'foo=bar, handling=strict']) {
      const e = error('GET', '/todos', '', { prefer: header });
      assert.equal(e.status, 400);
      assert.equal(e.code, 'PGRST122');
      assert.equal(e.message, 'Invalid preferences given with handling=strict');
      assert.equal(e.details, 'Invalid preferences: foo=bar');
    }
  });

  test('handling=strict with only valid preferences is accepted', () => {
    assert.equal(request('GET', '/todos', '', { prefer: 'handling=strict, return=minimal' }).preferences.return, 'minimal');
  });

  test('handling=lenient ignores invalid preferences', () => {
    assert.deepEqual(request('GET', '/todos', '', { prefer: 'handling=lenient, foo=bar' }).preferences.invalid, ['foo=bar']);
  });

  test('return and count are part of the shape key', () => {
    const base = request('GET', '/todos').shape;
    assert.notEqual(request('GET', '/todos', '', { prefer: 'return=minimal' }).shape, base);
    assert.notEqual(request('GET', '/todos', '', { prefer: 'count=exact' }).shape, base);
  });
});

describe('query errors surface from toApiRequest', () => {
  test('a bad filter is 400 PGRST100', () => {
    const e = error('GET', '/todos', 'id=eqq.1');
    assert.equal(e.code, 'PGRST100');
    assert.ok(e.message.startsWith('"failed to parse filter (eqq.1)"'));
  });
});

describe('parseJsonPayload', () => {
  const payload = (body: string | null) => parseJsonPayload(body === null ? null : encoder.encode(body));

  const good: [string, string[], boolean][] = [
    ['{"a":1,"b":2}', ['a', 'b'], false],
    ['{}', [], false],
    ['  {"x":null}  ', ['x'], false],
    ['[]', [], true],
    ['[{"a":1,"b":2},{"b":3,"a":4}]', ['a', 'b'], true],
    ['[{}]', [], true],
  ];
  for (const [body, keys, isArray] of good) {
    test(`${body} → keys ${JSON.stringify(keys)}`, () => {
      // The raw text is kept as-is: it goes to PostgreSQL as one parameter.
      assert.deepEqual(payload(body), { ok: true, value: { json: body, keys, isArray } });
    });
  }

  test('UTF-8 bodies decode', () => {
    const r = payload('{"名前":"✓"}');
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.value.keys, ['名前']);
  });

  const bad: [string | null, string][] = [
    ['[{"a":1},{"b":2}]', 'All object keys must match'],
    ['[{"a":1},{"a":1,"b":2}]', 'All object keys must match'],
    ['[{"a":1,"b":2},{"a":1}]', 'All object keys must match'],
    ['[{"a":1},2]', 'All object keys must match'],
    ['[[1]]', 'All object keys must match'],
    ['', 'Empty or invalid json'],
    [null, 'Empty or invalid json'],
    ['{bad', 'Empty or invalid json'],
    ['{"a":1}x', 'Empty or invalid json'],
    ['42', 'Empty or invalid json'],
    ['"str"', 'Empty or invalid json'],
    ['null', 'Empty or invalid json'],
    ['true', 'Empty or invalid json'],
  ];
  for (const [body, message] of bad) {
    test(`${JSON.stringify(body)} → 400 PGRST102 ${message}`, () => {
      assert.deepEqual(payload(body), { ok: false, error: { status: 400, code: 'PGRST102', message, details: null, hint: null } });
    });
  }

  test('toApiRequest reports body errors for POST', () => {
    const e = error('POST', '/todos', '', {}, '');
    assert.deepEqual([e.status, e.code, e.message], [400, 'PGRST102', 'Empty or invalid json']);
  });

  test('payload keys are part of the shape key, values are not', () => {
    const a = request('POST', '/todos', '', {}, '{"a":1}').shape;
    assert.equal(request('POST', '/todos', '', {}, '{"a":2}').shape, a);
    assert.notEqual(request('POST', '/todos', '', {}, '{"b":1}').shape, a);
  });
});
