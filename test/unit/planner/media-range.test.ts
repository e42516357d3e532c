// Table-driven tests of content negotiation (Accept → MediaType, Content-Type text) and of
// paging arithmetic (Range ∩ limit/offset, db-max-rows, Content-Range and 200/206/416).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { contentType, negotiate } from '../../../planner/request/media.js';
import { capRange, rangeAnswer, requestedRange } from '../../../planner/request/range.js';
import type { MediaType, RowRange } from '../../../planner/request/types.js';

describe('negotiate', () => {
  const cases: [string | undefined, MediaType | null][] = [
    [undefined, { kind: 'json' }],
    ['', { kind: 'json' }],
    ['*/*', { kind: 'json' }],
    ['application/json', { kind: 'json' }],
    ['Application/JSON', { kind: 'json' }],
    ['text/csv', { kind: 'csv' }],
    ['application/vnd.pgrst.object+json', { kind: 'object', stripNulls: false }],
    ['application/vnd.pgrst.object;nulls=stripped', { kind: 'object', stripNulls: true }],
    ['application/vnd.pgrst.array+json; nulls=stripped', { kind: 'array', stripNulls: true }],
    ['application/vnd.pgrst.array+json', { kind: 'json' }],
    // A type only a media type handler could produce comes first: the planner decides.
    ['text/html, text/csv', null],
    ['text/html, text/csv;q=0.1', null],
    ['text/csv, text/html', { kind: 'csv' }],
    ['application/msgpack', { kind: 'msgpack' }],
    ['application/geo+json', { kind: 'geojson' }],
    ['application/json;q=0.1, text/csv;q=0.9', { kind: 'csv' }],
    ['text/csv;q=0, */*', { kind: 'json' }],
    ['text/csv;q=0.5, application/vnd.pgrst.object+json;q=0.5', { kind: 'csv' }],
  ];
  for (const [accept, expected] of cases) {
    test(String(accept), () => assert.deepEqual(negotiate(accept), { ok: true, value: expected }));
  }

  test('nothing producible → 406 PGRST107 listing the offered types', () => {
    const r = negotiate('text/csv;q=0');
    assert.ok(!r.ok);
    assert.equal(r.error.status, 406);
    assert.equal(r.error.code, 'PGRST107');
    assert.equal(r.error.message, 'None of these media types are available: text/csv');
    // A plan while db-plan-enabled is off is skipped like an unknown type.
    const plan = negotiate('application/vnd.pgrst.plan');
    assert.ok(!plan.ok);
    assert.equal(plan.error.message, 'None of these media types are available: application/vnd.pgrst.plan');
  });

  test('application/vnd.pgrst.plan: format, for= and options (fixed order, unknown ignored)', () => {
    assert.deepEqual(negotiate('application/vnd.pgrst.plan', true), { ok: true, value: { kind: 'plan', format: 'text', options: [], target: { kind: 'json' } } });
    assert.deepEqual(negotiate('application/vnd.pgrst.plan+json; for="text/csv"; options=wal|bogus|analyze', true), {
      ok: true,
      value: { kind: 'plan', format: 'json', options: ['analyze', 'wal'], target: { kind: 'csv' } },
    });
    assert.deepEqual(negotiate('application/vnd.pgrst.plan+text; for="application/vnd.pgrst.object"', true), {
      ok: true,
      value: { kind: 'plan', format: 'text', options: [], target: { kind: 'object', stripNulls: false } },
    });
    // A for= type only a handler could produce is left to the planner.
    assert.deepEqual(negotiate('application/vnd.pgrst.plan; for="text/html"', true), { ok: true, value: null });
  });

  test('Content-Type texts', () => {
    assert.equal(contentType({ kind: 'json' }), 'application/json; charset=utf-8');
    assert.equal(contentType({ kind: 'csv' }), 'text/csv; charset=utf-8');
    assert.equal(contentType({ kind: 'object', stripNulls: true }), 'application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8');
    assert.equal(contentType({ kind: 'msgpack' }), 'application/msgpack');
    assert.equal(contentType({ kind: 'geojson' }), 'application/geo+json; charset=utf-8');
    assert.equal(
      contentType({ kind: 'plan', format: 'text', options: ['analyze', 'verbose'], target: { kind: 'csv' } }),
      'application/vnd.pgrst.plan+text; for="text/csv"; options=analyze|verbose; charset=utf-8',
    );
    assert.equal(contentType({ kind: 'plan', format: 'json', options: [], target: { kind: 'json' } }), 'application/vnd.pgrst.plan+json; for="application/json"; charset=utf-8');
  });
});

describe('requested range', () => {
  const cases: [string | undefined, number | null, number | null, RowRange][] = [
    [undefined, null, null, { offset: 0, limit: null }],
    [undefined, 10, 5, { offset: 5, limit: 10 }],
    ['0-9', null, null, { offset: 0, limit: 10 }],
    ['5-', null, null, { offset: 5, limit: null }],
    ['items=2-3', null, null, { offset: 2, limit: 2 }],
    ['0-9', 3, null, { offset: 0, limit: 3 }],
    ['0-9', null, 4, { offset: 4, limit: 6 }],
    ['5-', 10, 0, { offset: 5, limit: 5 }],
    ['2-4', 0, null, { offset: 0, limit: 0 }],
    ['bytes=1-2', null, null, { offset: 0, limit: null }],
  ];
  for (const [header, limit, offset, expected] of cases) {
    test(`${header} limit=${limit} offset=${offset}`, () => assert.deepEqual(requestedRange(header, limit, offset), { ok: true, value: expected }));
  }

  test('unsatisfiable ranges are 416 PGRST103', () => {
    for (const [header, limit, details] of [
      ['5-2', null, 'The lower boundary must be lower than or equal to the upper boundary in the Range header.'],
      ['4-6', 2, 'Limit should be greater than or equal to zero.'],
    ] as const) {
      const r = requestedRange(header, limit, null);
      assert.ok(!r.ok);
      assert.equal(r.error.status, 416);
      assert.equal(r.error.code, 'PGRST103');
      assert.equal(r.error.details, details);
    }
  });

  test('db-max-rows caps', () => {
    assert.deepEqual(capRange({ offset: 3, limit: null }, 10), { offset: 3, limit: 10 });
    assert.deepEqual(capRange({ offset: 3, limit: 20 }, 10), { offset: 3, limit: 10 });
    assert.deepEqual(capRange({ offset: 3, limit: 2 }, 10), { offset: 3, limit: 2 });
    assert.deepEqual(capRange({ offset: 3, limit: 2 }, null), { offset: 3, limit: 2 });
  });
});

describe('range answer', () => {
  const cases: [number, number, number | null, number, string][] = [
    [0, 15, null, 200, '0-14/*'],
    [0, 0, null, 200, '*/*'],
    [10, 0, null, 200, '*/*'],
    [0, 5, 5, 200, '0-4/5'],
    [0, 2, 5, 206, '0-1/5'],
    [3, 2, 5, 206, '3-4/5'],
    [0, 0, 0, 200, '*/0'],
    [5, 0, 5, 206, '*/5'],
  ];
  for (const [offset, page, total, status, contentRange] of cases) {
    test(`offset ${offset}, ${page} rows, total ${total}`, () =>
      assert.deepEqual(rangeAnswer(offset, page, total), { ok: true, value: { status, contentRange } }));
  }

  test('an offset past the total is 416 PGRST103', () => {
    const r = rangeAnswer(10, 0, 5);
    assert.ok(!r.ok);
    assert.equal(r.error.details, 'An offset of 10 was requested, but there are only 5 rows.');
  });
});
