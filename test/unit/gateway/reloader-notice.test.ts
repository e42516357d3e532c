// Unit tests for the first schema load's "taking over a second" notice (gateway/reloader.ts),
// with an injected timer: said once while the load runs, never after it finished.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sayWhenSlow, type Timers } from '../../../gateway/reloader.js';

/** Timers that fire only when the test says so. */
function manualTimers(): Timers & { fire(): void; pending(): number } {
  const waiting = new Map<number, () => void>();
  let next = 0;
  return {
    set: (fn) => {
      waiting.set(++next, fn);
      return next;
    },
    clear: (h) => void waiting.delete(h as number),
    fire: () => {
      for (const [h, fn] of waiting) {
        waiting.delete(h);
        fn();
      }
    },
    pending: () => waiting.size,
  };
}

describe('sayWhenSlow', () => {
  test('a load still running when the timer fires says so once', async () => {
    const timers = manualTimers();
    const said: string[] = [];
    let finish: (v: string) => void = () => undefined;
    const result = sayWhenSlow(() => new Promise<string>((r) => (finish = r)), 1000, () => said.push('slow'), timers);
    timers.fire();
    assert.deepEqual(said, ['slow']);
    finish('cache');
    assert.equal(await result, 'cache');
    assert.equal(timers.pending(), 0);
  });
  test('a quick load says nothing and leaves no timer', async () => {
    const timers = manualTimers();
    const said: string[] = [];
    assert.equal(await sayWhenSlow(async () => 42, 1000, () => said.push('slow'), timers), 42);
    timers.fire();
    assert.deepEqual(said, []);
  });
  test('a failing load clears its timer and rethrows', async () => {
    const timers = manualTimers();
    await assert.rejects(sayWhenSlow(() => Promise.reject(new Error('down')), 1000, () => undefined, timers), /down/);
    assert.equal(timers.pending(), 0);
  });
});
