// Unit tests for the NOTIFY payload vocabulary of gateway/listener.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyPayload } from '../../../gateway/listener.js';

test('PostgREST notification payloads', () => {
  assert.equal(classifyPayload(''), 'reload schema');
  assert.equal(classifyPayload('reload schema'), 'reload schema');
  assert.equal(classifyPayload('reload config'), 'reload config');
  assert.equal(classifyPayload('something else'), null);
  assert.equal(classifyPayload('RELOAD SCHEMA'), null);
});
