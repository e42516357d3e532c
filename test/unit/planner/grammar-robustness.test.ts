// Robustness of the grammar: thousands of mutated query strings (deterministic PRNG) go
// through toApiRequest + actionPlan + SQL; each ends in a plan or a 4xx ApiError, never a throw.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionPlan, mainStatement, toApiRequest } from '../../../planner/index.js';
import { filmsSchema } from './films-schema.js';
import { mutate, rng, SEEDS } from '../../helpers/mutations.js';

test('mutated query strings end in a plan or a 4xx error, never an exception', () => {
  const r = rng(0x5eed);
  let errors = 0;
  for (let i = 0; i < 5000; i++) {
    const query = mutate(SEEDS[i % SEEDS.length]!, r);
    let outcome: string;
    try {
      const req = toApiRequest({ method: 'GET', path: '/films', query, headers: {}, body: null }, { schemas: ['api'] });
      if (!req.ok) {
        assert.ok(req.error.status >= 400 && req.error.status < 500, `${query}: ${req.error.status}`);
        errors++;
        continue;
      }
      const plan = actionPlan(req.value, filmsSchema, { maxRows: null });
      outcome = plan.ok ? mainStatement(plan.value).text : plan.error.code;
    } catch (err) {
      assert.fail(`${JSON.stringify(query)} threw ${String(err)}`);
    }
    assert.equal(typeof outcome, 'string');
  }
  // The mutations must actually exercise the error paths.
  assert.ok(errors > 1000, `only ${errors} error paths hit`);
});
