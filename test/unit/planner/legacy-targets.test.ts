// Unit tests for planner/legacy-targets.ts: table names of aliased embeds resolve to the alias
// at every level; keys, unknown names and ambiguous names are left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveLegacyTargets } from '../../../planner/legacy-targets.js';
import type { SelectItem, ScopedCondition } from '../../../planner/types.js';
import type { EmbedParam } from '../../../planner/embed-params.js';

const embed = (name: string, alias: string | null, select: SelectItem[] = []): SelectItem => ({ kind: 'embed', name, alias, hint: null, join: null, spread: false, select });
const cond = (path: string[]): ScopedCondition => ({ path, condition: { kind: 'filter' } as unknown as ScopedCondition['condition'] });
const limit = (path: string[]): EmbedParam => ({ kind: 'limit', path, value: 1, shape: path.join('.') + '.limit' });

const select: SelectItem[] = [embed('films', 'works', [embed('actors', 'cast')]), embed('studios', null)];

test('a table name is rewritten to its alias, nested levels too', () => {
  const r = resolveLegacyTargets(select, [cond(['films']), cond(['works', 'actors'])], [limit(['films', 'actors'])]);
  assert.equal(r.used, true);
  assert.deepEqual(r.filters.map((f) => f.path), [['works'], ['works', 'cast']]);
  assert.deepEqual(r.params.map((p) => p.path), [['works', 'cast']]);
});

test('keys (aliases, unaliased names) and top-level filters are untouched, the same arrays come back', () => {
  const filters = [cond([]), cond(['works']), cond(['studios'])];
  const params = [limit(['works', 'cast'])];
  const r = resolveLegacyTargets(select, filters, params);
  assert.equal(r.used, false);
  assert.equal(r.filters, filters);
  assert.equal(r.params, params);
});

test('unknown names and a table under two aliases stay as they are (the planner answers PGRST108)', () => {
  const twice: SelectItem[] = [embed('films', 'a'), embed('films', 'b')];
  const r = resolveLegacyTargets(twice, [cond(['films']), cond(['nope'])], []);
  assert.equal(r.used, false);
  assert.deepEqual(r.filters.map((f) => f.path), [['films'], ['nope']]);
});
