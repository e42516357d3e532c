// Request bodies: JSON keys and PGRST102, ?columns= pass-through, CSV (header row, quoting,
// empty field = '', NULL = null) and application/x-www-form-urlencoded.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { parseCsv } from '../../../planner/request/body-formats.js';
import { parseColumnsParam, readPayload } from '../../../planner/request/payload.js';
import type { Result } from '../../../planner/errors.js';
import type { Payload } from '../../../planner/request/types.js';

const enc = new TextEncoder();
const read = (body: string, type: string | undefined, columns: string[] | null = null): Result<Payload> => readPayload(enc.encode(body), type, columns);
function value(r: Result<Payload>): Payload {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
const code = (r: Result<Payload>): string => (r.ok ? 'ok' : r.error.code);

describe('CSV bodies', () => {
  test('header row, then one object per line; empty is "", NULL is null', () => {
    const p = value(read('name,qty,note\nalpha,1,\nbeta,2,NULL\n', 'text/csv'));
    assert.deepEqual(p.keys, ['name', 'qty', 'note']);
    assert.deepEqual(JSON.parse(p.json), [
      { name: 'alpha', qty: '1', note: '' },
      { name: 'beta', qty: '2', note: null },
    ]);
    assert.equal(p.isArray, true);
  });

  test('quoted fields keep commas, newlines, doubled quotes, and a quoted "NULL" is text', () => {
    assert.deepEqual(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\n"NULL",NULL'), [
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
      ['NULL', null],
    ]);
  });

  test('ragged rows and an open quote → PGRST102', () => {
    assert.equal(code(read('a,b\n1\n', 'text/csv')), 'PGRST102');
    assert.equal(code(read('a\n"open', 'text/csv')), 'PGRST102');
    assert.equal(code(read('', 'text/csv; charset=utf-8')), 'PGRST102');
  });

  test('?columns= keys win over the header', () => {
    assert.deepEqual(value(read('a,b\n1,2', 'text/csv', ['a'])).keys, ['a']);
  });
});

describe('urlencoded bodies', () => {
  test('one object; + is a space, escapes decoded, the last repeat wins', () => {
    const p = value(read('name=J+Doe&note=a%26b&name=Jane', 'application/x-www-form-urlencoded'));
    assert.deepEqual(JSON.parse(p.json), { name: 'Jane', note: 'a&b' });
    assert.deepEqual(p.keys, ['name', 'note']);
    assert.equal(p.isArray, false);
  });

  test('a broken escape → PGRST102', () => {
    assert.equal(code(read('name=%E0%A4%A', 'application/x-www-form-urlencoded')), 'PGRST102');
  });
});

describe('JSON and ?columns=', () => {
  test('keys of an object, of a uniform array; non-uniform keys → PGRST102', () => {
    assert.deepEqual(value(read('{"a":1,"b":2}', undefined)).keys, ['a', 'b']);
    assert.deepEqual(value(read('[{"a":1},{"a":2}]', 'application/json')).keys, ['a']);
    assert.equal(code(read('[{"a":1},{"b":2}]', 'application/json')), 'PGRST102');
    assert.equal(code(read('', 'application/json')), 'PGRST102');
    assert.equal(code(read('nope', 'application/json')), 'PGRST102');
  });

  test('with columns the body is passed through unparsed', () => {
    const body = '[{"a":1,"zzz":2},{"a":3}]';
    const p = value(read(body, 'application/json', ['a']));
    assert.equal(p.json, body);
    assert.deepEqual(p.keys, ['a']);
    assert.equal(code(read('  ', 'application/json', ['a'])), 'PGRST102');
    assert.equal(code(read('42', 'application/json', ['a'])), 'PGRST102');
  });

  test('columns parameter: trimmed, quoted names, duplicates dropped, empty item → PGRST100', () => {
    const c = parseColumnsParam(' a ,"b c",a', 'columns');
    assert.ok(c.ok);
    assert.deepEqual(c.value, ['a', 'b c']);
    const bad = parseColumnsParam('a,,b', 'columns');
    assert.equal(bad.ok ? 'ok' : bad.error.code, 'PGRST100');
  });

  test("columns/on_conflict as PostgREST's pColumns: name characters, ignored tail, errors with positions", () => {
    const names = (v: string): string[] | string => {
      const r = parseColumnsParam(v, 'on_conflict');
      return r.ok ? r.value : `${r.error.message} | ${r.error.details}`;
    };
    // Unicode letters, digits, `_`, `$`, spaces and inner dashes are name characters.
    assert.deepEqual(names('café,$x,a b,a-b,1'), ['café', '$x', 'a b', 'a-b', '1']);
    // Parsec stops at the first character no name has and never asks for the end of the input.
    assert.deepEqual(names("id,name'"), ['id', 'name']);
    assert.deepEqual(names('id;drop'), ['id']);
    assert.deepEqual(names('"a,b",c'), ['a,b', 'c']);
    assert.equal(names("id,'name"), `"failed to parse on_conflict parameter (id,'name)" (line 1, column 4) | unexpected "'" expecting field name (* or [a..z0..9_$])`);
    assert.equal(names(''), '"failed to parse on_conflict parameter ()" (line 1, column 1) | unexpected end of input expecting field name (* or [a..z0..9_$])');
    assert.equal(names('a-'), '"failed to parse on_conflict parameter (a-)" (line 1, column 3) | unexpected end of input expecting letter or digit');
    assert.equal(names('a\tb'), '"failed to parse on_conflict parameter (a\tb)" (line 1, column 3) | unexpected "b" expecting ","');
  });
});
