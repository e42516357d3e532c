// Unit tests for protocol/abort.ts: AbortFlag runs each listener once, forgets removed ones,
// and ignores listeners added after the abort (the pool checks `aborted` first).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortFlag } from '../../../protocol/abort.js';

test('abort() runs every listener once and sets aborted', () => {
  const flag = new AbortFlag();
  const calls: string[] = [];
  flag.addEventListener('abort', () => calls.push('a'));
  flag.addEventListener('abort', () => calls.push('b'));
  assert.equal(flag.aborted, false);
  flag.abort();
  flag.abort();
  assert.equal(flag.aborted, true);
  assert.deepEqual(calls, ['a', 'b']);
});

test('a removed listener is not called; others still are', () => {
  const flag = new AbortFlag();
  const calls: string[] = [];
  const a = (): void => void calls.push('a');
  flag.addEventListener('abort', a);
  flag.addEventListener('abort', () => calls.push('b'));
  flag.removeEventListener('abort', a);
  flag.removeEventListener('abort', () => undefined); // unknown listener: no effect
  flag.abort();
  assert.deepEqual(calls, ['b']);
});

test('a listener added after the abort is never called', () => {
  const flag = new AbortFlag();
  flag.abort();
  let called = false;
  flag.addEventListener('abort', () => (called = true));
  flag.abort();
  assert.equal(called, false);
});
