// Unit tests for bench/progress.ts: the `make bench` progress line (step of steps, time left).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, Progress } from '../../bench/progress.js';

describe('formatDuration', () => {
  for (const [s, text] of [[0, '0s'], [42.4, '42s'], [60, '1m00s'], [185, '3m05s'], [3720, '1h02m'], [-5, '0s']] as const) {
    test(`${s} s → ${text}`, () => assert.equal(formatDuration(s), text));
  }
});

describe('Progress', () => {
  test('which step of how many, and the plan left before any step finished', () => {
    let t = 1000;
    const p = new Progress([{ label: 'round 1/2 · get-by-pk', plannedSeconds: 60 }, { label: 'round 1/2 · insert', plannedSeconds: 60 }, { label: 'round 2/2 · get-by-pk', plannedSeconds: 30 }], () => t);
    assert.equal(p.begin(0), '[1/3] round 1/2 · get-by-pk — about 2m30s left');
    // The first step took twice its plan: the rest is expected to as well.
    t += 120_000;
    assert.equal(p.begin(1), '[2/3] round 1/2 · insert — about 3m00s left');
    t += 60_000;
    assert.equal(p.begin(2), '[3/3] round 2/2 · get-by-pk — about 45s left');
  });
  test('past the last step', () => {
    assert.equal(new Progress([]).begin(0), '[1/0]');
  });
});
