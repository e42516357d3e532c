// Unit tests for gateway/server.ts helpers: the native-addon check and server-host mapping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listenHost, listenHosts, uwsIsNative } from '../../../gateway/server.js';

test('the native uWebSockets.js addon is loaded, not the pure-JS fallback', () => {
  assert.equal(uwsIsNative(), true);
});

test('server-host special values map to bind addresses, preferred first', () => {
  assert.deepEqual(listenHosts('!4'), ['0.0.0.0']);
  assert.deepEqual(listenHosts('*4'), ['0.0.0.0', '::']);
  assert.deepEqual(listenHosts('*'), ['::', '0.0.0.0']);
  assert.deepEqual(listenHosts('*6'), ['::', '0.0.0.0']);
  assert.deepEqual(listenHosts('!6'), ['::']);
  assert.deepEqual(listenHosts('127.0.0.1'), ['127.0.0.1']);
  assert.equal(listenHost('*4'), '0.0.0.0');
  assert.equal(listenHost('::1'), '::1');
});
