// PostgREST's fuzzy "Perhaps you meant" matching, checked against the examples PostgREST's
// own documentation of noRpcHint gives (Error.hs doctests) and the thresholds it uses.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FuzzySet, NAME_HINT_SCORE, PARAMS_HINT_SCORE } from '../../../planner/fuzzy.js';

describe('fuzzy: PostgREST hint matching', () => {
  const names = new FuzzySet(['test', 'another']);
  test('function names need a 0.75 score', () => {
    assert.equal(names.closest('testt', NAME_HINT_SCORE), 'test');
    assert.equal(names.closest('other', NAME_HINT_SCORE), null);
    assert.equal(names.closest('noclosealternative', NAME_HINT_SCORE), null);
  });

  test('exact matches ignore case', () => {
    assert.equal(names.closest('TEST', NAME_HINT_SCORE), 'test');
  });

  test('parameter lists need 0.33', () => {
    const lists = new FuzzySet(['(name, param, val)', '(attr, id)']);
    assert.equal(lists.closest('(nam, pqaram, vall)', PARAMS_HINT_SCORE), '(name, param, val)');
    assert.equal(lists.closest('(param, val)', PARAMS_HINT_SCORE), '(name, param, val)');
    assert.equal(lists.closest('(attrs, id)', PARAMS_HINT_SCORE), '(attr, id)');
    assert.equal(lists.closest('(id)', PARAMS_HINT_SCORE), '(attr, id)');
    assert.equal(lists.closest('(noclosealternative)', PARAMS_HINT_SCORE), null);
  });

  test('an empty set matches nothing', () => {
    assert.equal(new FuzzySet([]).closest('x', 0), null);
  });
});
