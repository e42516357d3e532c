// Unit tests for the streaming CSV → JSON payload (issue 15 item 3): output crossing the
// internal chunk size is one valid JSON array equal to the rows; a repeated header keeps its
// last field; an unterminated quote is reported before a field-count mismatch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvPayload } from '../../../planner/request/body-formats.js';

const json = (text: string): unknown => {
  const r = csvPayload(text, null);
  assert.ok(r.ok, JSON.stringify(r));
  return JSON.parse(r.value.json);
};

test('many rows (several internal chunks) give exactly the rows, multi-byte text included', () => {
  const rows = Array.from({ length: 20000 }, (_, i) => ({ id: String(i), name: i % 3 === 0 ? `é "q" ${i}, ok` : `n${i}`, note: i % 5 === 0 ? null : 'x\ny' }));
  const field = (v: string | null): string => (v === null ? 'NULL' : /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v);
  const text = 'id,name,note\n' + rows.map((r) => [r.id, r.name, r.note].map(field).join(',')).join('\r\n');
  assert.deepEqual(json(text), rows);
});

test('a repeated header name keeps its last field; header only is []', () => {
  assert.deepEqual(json('a,b,a\n1,2,3\n'), [{ a: '3', b: '2' }]);
  assert.deepEqual(json('a,b\n'), []);
});

test('errors: unterminated quote first, then field counts, then empty', () => {
  const err = (text: string): string | null => {
    const r = csvPayload(text, null);
    return r.ok ? null : r.error.message;
  };
  assert.equal(err('a,b\n1\n"open'), 'Empty or invalid csv');
  assert.equal(err('a,b\n1\n2,3'), 'All lines must have same number of fields');
  assert.equal(err(''), 'Empty or invalid csv');
});
