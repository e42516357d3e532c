// PostgREST's field-name rule (`pFieldName`: quoted, or letters, digits, `_`, space, `$` and
// inner dashes) wherever the URL grammar reads a name: select items, aliases, embeds and
// hints, filter keys and embed paths, logic trees and order terms.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQueryParams } from '../../../planner/request/query-params.js';
import { readName } from '../../../planner/request/field.js';

/** The parse of a raw (already decoded) query, or its PGRST100 as `message | details`. */
function parse(pairs: [string, string][]) {
  return parseQueryParams(pairs);
}
const err = (pairs: [string, string][]): string => {
  const r = parse(pairs);
  assert.ok(!r.ok, JSON.stringify(pairs) + ' should fail');
  assert.equal(r.error.code, 'PGRST100');
  return `${r.error.message} | ${r.error.details}`;
};

describe('field names as PostgREST reads them', () => {
  test('name characters: Unicode letters, digits, _, $, spaces, inner dashes; trimmed pieces', () => {
    assert.deepEqual(readName('café_1$ x', 0), { name: 'café_1$ x', end: 9 });
    assert.deepEqual(readName('a - b->c', 0), { name: 'a-b', end: 5 });
    assert.deepEqual(readName("id'", 0), { name: 'id', end: 2 });
    assert.deepEqual(readName('"a\'b"', 0), { name: "a'b", end: 5 });
    assert.equal(readName("'id", 0), null);
    assert.deepEqual(readName('a-;', 0), { afterDash: 2 });
    // Combining marks are not letters (Haskell's isAlpha): they end the name.
    assert.deepEqual(readName('e\u0301', 0), { name: 'e', end: 1 });
  });

  test("select: a character no name has is PostgREST's PGRST100, not a column name", () => {
    assert.equal(err([['select', "id'"]]), `"failed to parse select parameter (id')" (line 1, column 3) | unexpected '\\'' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input`);
    assert.equal(err([['select', 'id,na;me']]), `"failed to parse select parameter (id,na;me)" (line 1, column 6) | unexpected ';' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input`);
    assert.equal(err([['select', 'x:id[0]']]), `"failed to parse select parameter (x:id[0])" (line 1, column 5) | unexpected '[' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input`);
    // An alias that is no name is no alias: the field parser stops at its first bad character.
    assert.match(err([['select', "a'b:id"]]), /column 2\) \| unexpected '\\''/);
    assert.equal(parse([['select', 'clients(na\'me)']]).ok, false);
    assert.equal(parse([['select', "cli'ents(name)"]]).ok, false);
    assert.equal(parse([['select', "clients!hi'nt(name)"]]).ok, false);
    assert.equal(parse([['select', "al'ias:clients(name)"]]).ok, false);
  });

  test('select: names PostgREST accepts stay accepted', () => {
    const r = parse([['select', 'café,$x,"a\'b","q.x":id,my col,a-b,x:data->>\'k\',1st,clients!fk-name!inner(*)']]);
    assert.ok(r.ok, r.ok ? '' : r.error.details ?? '');
    const names = r.value.select.map((s) => (s.kind === 'field' ? [s.alias, s.field.name, s.field.json.map((j) => j.key)] : s.kind === 'embed' ? ['embed', s.name, s.hint, s.join] : [s.kind]));
    assert.deepEqual(names, [
      [null, 'café', []],
      [null, '$x', []],
      [null, "a'b", []],
      ['q.x', 'id', []],
      [null, 'my col', []],
      [null, 'a-b', []],
      ['x', 'data', ["'k'"]],
      [null, '1st', []],
      ['embed', 'clients', 'fk-name', 'inner'],
    ]);
    // PostgREST takes the join type and the hint in either order.
    const either = parse([['select', 'clients!inner!fk(*)']]);
    assert.ok(either.ok);
    const e = either.value.select[0]!;
    assert.ok(e.kind === 'embed' && e.hint === 'fk' && e.join === 'inner');
  });

  test('filter keys: a key starting with no name is a PGRST100; after a name the rest is ignored (pTreePath)', () => {
    assert.equal(err([["'id", 'eq.1']]), `"failed to parse tree path ('id)" (line 1, column 1) | unexpected "'" expecting field name (* or [a..z0..9_$])`);
    assert.equal(err([["rel.'id", 'eq.1']]), `"failed to parse tree path (rel.'id)" (line 1, column 5) | unexpected "'" expecting field name (* or [a..z0..9_$])`);
    const tail = parse([["id'", 'eq.1']]);
    assert.ok(tail.ok);
    assert.deepEqual(tail.value.filters.map((f) => [f.path, f.condition.kind === 'filter' ? f.condition.filter.field.name : '']), [[[], 'id']]);
    const path = parse([["a'.b", 'eq.1']]);
    assert.ok(path.ok);
    assert.deepEqual(path.value.filters.map((f) => [f.path, f.condition.kind === 'filter' ? f.condition.filter.field.name : '']), [[[], 'a']]);
  });

  test('logic trees: a field name stops at a character no name has', () => {
    assert.equal(err([['or', "(i'd.eq.1,id.eq.2)"]]), `"failed to parse logic tree ((i'd.eq.1,id.eq.2))" (line 1, column 5) | unexpected "'" expecting letter, digit, "-", "->>", "->" or delimiter (.)`);
    // PostgREST's words for AndOrParamsSpec's `or=()` and its doctests.
    assert.equal(err([['or', '()']]), '"failed to parse logic tree (())" (line 1, column 4) | unexpected ")" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)');
    assert.equal(err([['or', '(id.eq.1,not.xor(id.eq.2,id.eq.3))']]), '"failed to parse logic tree ((id.eq.1,not.xor(id.eq.2,id.eq.3)))" (line 1, column 16) | unexpected "x" expecting logic operator (and, or)');
    // A column named "not" still filters.
    assert.ok(parse([['or', '(not.eq.1)']]).ok);
    const ok = parse([['or', '(café.eq.1,"a\'b".eq.2)']]);
    assert.ok(ok.ok);
  });

  test("order: PostgREST's pOrder messages; relation terms", () => {
    assert.equal(err([['order', "id'"]]), `"failed to parse order (id')" (line 1, column 3) | unexpected '\\'' expecting letter, digit, "-", "->>", "->", delimiter (.), "," or end of input`);
    assert.equal(err([['order', 'id.ac']]), `"failed to parse order (id.ac)" (line 1, column 4) | unexpected "c" expecting "asc", "desc", "nullsfirst" or "nullslast"`);
    assert.equal(err([['order', 'id.descc']]), `"failed to parse order (id.descc)" (line 1, column 8) | unexpected 'c' expecting delimiter (.), "," or end of input`);
    assert.equal(err([['order', 'id.asc.nullslasttt']]), `"failed to parse order (id.asc.nullslasttt)" (line 1, column 17) | unexpected 't' expecting "," or end of input`);
    assert.equal(err([['order', 'id.asc.nlsfst']]), `"failed to parse order (id.asc.nlsfst)" (line 1, column 8) | unexpected "l" expecting "nullsfirst" or "nullslast"`);
    assert.equal(err([['order', 'clients(name,id)']]), `"failed to parse order (clients(name,id))" (line 1, column 8) | unexpected '(' expecting letter, digit, "-", "->>", "->", delimiter (.), "," or end of input`);
    const r = parse([['order', 'name,clients(json_col->key).desc.nullsfirst,"a\'b".asc']]);
    assert.ok(r.ok);
    assert.deepEqual(r.value.order, [
      { field: { name: 'name', json: [] }, direction: null, nulls: null },
      { field: { name: 'json_col', json: [{ arrow: '->', key: 'key', index: false }] }, relation: 'clients', direction: 'desc', nulls: 'first' },
      { field: { name: "a'b", json: [] }, direction: 'asc', nulls: null },
    ]);
    // A relation term and a column of the same text shape different statements.
    const a = parse([['order', 'clients(name)']]);
    const b = parse([['order', '"clients(name)"']]);
    assert.ok(a.ok && b.ok);
    assert.notDeepEqual(a.value.shape, b.value.shape);
  });
});
