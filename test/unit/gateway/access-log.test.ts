// Unit tests for gateway/access-log.ts: level filtering and the combined log line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAccess, shouldLog } from '../../../gateway/access-log.js';

test('levels: error logs 5xx, warn adds 4xx, info logs everything, crit nothing', () => {
  assert.deepEqual([200, 404, 503].map((s) => shouldLog('error', s)), [false, false, true]);
  assert.deepEqual([200, 404, 503].map((s) => shouldLog('warn', s)), [false, true, true]);
  assert.deepEqual([200, 404, 503].map((s) => shouldLog('info', s)), [true, true, true]);
  assert.deepEqual([200, 404, 503].map((s) => shouldLog('crit', s)), [false, false, false]);
});

test('an Apache combined line', () => {
  const line = formatAccess({
    method: 'GET', path: '/todos', query: 'id=eq.1', status: 200, bytes: 42, role: 'web_anon',
    referer: '', userAgent: 'curl/8 "x"', remote: '127.0.0.1', time: new Date(Date.UTC(2026, 10, 23, 9, 5, 7)),
  });
  assert.equal(line, '127.0.0.1 - web_anon [23/Nov/2026:09:05:07 +0000] "GET /todos?id=eq.1 HTTP/1.1" 200 42 "" "curl/8 \\"x\\""');
});
