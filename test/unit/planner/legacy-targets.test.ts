// Unit tests for planner/plan/legacy-targets.ts: table names of aliased embeds resolve to the alias
// at every level; keys, unknown names and ambiguous names are left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { legacyTargetError, legacyTargetWarning, resolveLegacyTargets } from '../../../planner/plan/legacy-targets.js';
import type { SelectItem, ScopedCondition } from '../../../planner/request/types.js';
import type { EmbedParam } from '../../../planner/request/embed-params.js';

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

test('the renames used are reported once each, for the Warning text', () => {
  const r = resolveLegacyTargets(select, [cond(['films']), cond(['films', 'actors'])], [limit(['films'])]);
  assert.deepEqual(r.renames, [['films', 'works'], ['actors', 'cast']]);
  assert.equal(
    legacyTargetWarning(r.renames),
    '299 PostgRESTv16 "Embedded resource was referenced by relation name even though it has an alias. This is deprecated and will stop working in a future release. Update `films` to `works`, `actors` to `cast` in query string filters, orders or limits."',
  );
});

test('with legacy names off: PGRST108 naming the alias, or nothing when no table name was used', () => {
  const e = legacyTargetError(select, [cond(['films'])], []);
  assert.deepEqual([e?.code, e?.hint], ['PGRST108', "Change 'films' to 'works' in filters, orders or limits."]);
  assert.equal(legacyTargetError(select, [cond(['works'])], []), null);
});
