// Unit tests for gateway/server-timing.ts: PostgREST's Server-Timing format, phases in the
// order they were lapped, one decimal of milliseconds, nothing for an unlapped request.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerTiming } from '../../../gateway/server-timing.js';

test('laps render as name;dur=<ms with one decimal>, in order', async () => {
  const t = new ServerTiming();
  t.lap('jwt');
  await new Promise((r) => setTimeout(r, 15));
  t.lap('parse');
  const header = t.header();
  assert.match(header, /^jwt;dur=\d+\.\d, parse;dur=\d+\.\d$/);
  const parse = Number(/parse;dur=([\d.]+)/.exec(header)![1]);
  assert.ok(parse >= 10, `parse took ${parse} ms, the 15 ms wait is in it`);
});

test('a request that never reached a phase has an empty header', () => {
  assert.equal(new ServerTiming().header(), '');
});
