// Unit tests for the nesting limits (issue 15 item 6): nestingError counts parentheses
// outside double quotes only and points at the first one too deep; JSON paths stop at
// MAX_NESTING steps; a deep JSON path compiles in linear time; claims depth is one pass.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NESTING, nestingError, parseField } from '../../../planner/request/field.js';
import { jsonDepthOver } from '../../../gateway/auth.js';

test('nestingError: at the limit is fine, one past it points at the offending "("', () => {
  const at = (d: number): string => '('.repeat(d) + 'x'.repeat(MAX_NESTING * 2) + ')'.repeat(d);
  assert.equal(nestingError('logic tree', at(MAX_NESTING)), null);
  const e = nestingError('logic tree', at(MAX_NESTING + 1));
  assert.ok(e !== null);
  assert.equal(e.code, 'PGRST100');
  assert.equal(e.status, 400);
  assert.match(e.message, new RegExp(`column ${MAX_NESTING + 1}\\)$`));
});

test('nestingError ignores parentheses inside double quotes (with escapes)', () => {
  const quoted = '(a.eq."' + '('.repeat(500) + '\\"' + '(' + '")';
  assert.equal(nestingError('logic tree', quoted), null);
});

test('JSON paths: MAX_NESTING steps parse, one more is PGRST100', () => {
  assert.equal(parseField('doc' + '->a'.repeat(MAX_NESTING), 'select parameter').ok, true);
  const r = parseField('doc' + '->a'.repeat(MAX_NESTING + 1), 'select parameter');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.code, 'PGRST100');
});

test('jsonDepthOver: counts objects and arrays outside strings', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  assert.equal(jsonDepthOver(enc('{"a":[{"b":1}]}'), 3), false);
  assert.equal(jsonDepthOver(enc('{"a":[{"b":[1]}]}'), 3), true);
  assert.equal(jsonDepthOver(enc('{"a":"[[[[[[\\"[[[["}'), 1), false);
});
