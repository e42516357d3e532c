// The OpenAPI version an Accept header asks for (gateway/root.ts): the version parameter on
// application/openapi+json, the configured default otherwise, null (406) when nothing fits.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateOpenApi } from '../../../gateway/root.js';

describe('negotiateOpenApi', () => {
  const cases: [string | undefined, '2.0' | '3.1', '2.0' | '3.1' | null][] = [
    [undefined, '2.0', '2.0'],
    ['', '3.1', '3.1'],
    ['application/openapi+json', '2.0', '2.0'],
    ['application/openapi+json;version=3.1', '2.0', '3.1'],
    ['application/openapi+json; version="3.1.0"', '2.0', '3.1'],
    ['application/openapi+json;version=2.0', '3.1', '2.0'],
    ['application/json', '3.1', '3.1'],
    ['text/csv, */*;q=0.1', '2.0', '2.0'],
    ['application/openapi+json;version=4, application/json', '2.0', '2.0'],
    ['application/openapi+json;version=4', '2.0', null],
    ['text/csv', '2.0', null],
  ];
  for (const [accept, fallback, expected] of cases) {
    test(`${JSON.stringify(accept)} (default ${fallback}) → ${String(expected)}`, () => {
      assert.equal(negotiateOpenApi(accept, fallback), expected);
    });
  }
});
