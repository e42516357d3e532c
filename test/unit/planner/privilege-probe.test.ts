// insertProbe (planner/sql/privilege-probe.ts): which requests get a privilege probe before their
// body is parsed (a POST with a large body to a table the schema cache has), its text (the
// target through ident(), no parameter), and that requestHead + withBody is toApiRequest.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insertProbe, requestHead, toApiRequest, withBody, type RawRequest } from '../../../planner/index.js';
import { LARGE_BODY_BYTES } from '../../../planner/request/request.js';
import { filmsSchema } from './films-schema.js';

const config = { schemas: ['api'] };
const raw = (method: string, path: string, bytes: number): RawRequest => ({
  method,
  path,
  query: '',
  headers: { 'content-type': 'text/csv' },
  body: Buffer.from('title\n' + 'x'.repeat(Math.max(0, bytes - 6))),
});
const probeFor = (r: RawRequest): string | null => {
  const head = requestHead(r, config, filmsSchema);
  assert.ok(head.ok);
  return insertProbe(head.value, r.body?.length ?? 0, filmsSchema)?.text ?? null;
};

test('a large POST to a known table is probed with EXPLAIN INSERT … DEFAULT VALUES', () => {
  const head = requestHead(raw('POST', '/films', LARGE_BODY_BYTES), config, filmsSchema);
  assert.ok(head.ok);
  const probe = insertProbe(head.value, LARGE_BODY_BYTES, filmsSchema);
  assert.deepEqual(probe, { text: 'EXPLAIN INSERT INTO "api"."films" DEFAULT VALUES', params: [] });
});

test('small bodies, other methods and unknown targets are not probed', () => {
  assert.equal(probeFor(raw('POST', '/films', LARGE_BODY_BYTES - 1)), null);
  assert.equal(probeFor(raw('PATCH', '/films', LARGE_BODY_BYTES)), null);
  assert.equal(probeFor(raw('PUT', '/films', LARGE_BODY_BYTES)), null);
  // A large body to a missing table is refused by requestHead itself (404 PGRST205).
  const missing = requestHead(raw('POST', '/nope', LARGE_BODY_BYTES), config, filmsSchema);
  assert.ok(!missing.ok && missing.error.code === 'PGRST205');
  // Without a schema cache the head is parsed without the check, and nothing is probed.
  const head = requestHead(raw('POST', '/nope', LARGE_BODY_BYTES), config, null);
  assert.ok(head.ok);
});

test('requestHead then withBody gives what toApiRequest gives', () => {
  const r = { ...raw('POST', '/films', 100), query: 'columns=title&select=id', headers: { 'content-type': 'text/csv', prefer: 'return=representation' } };
  const head = requestHead(r, config, filmsSchema);
  assert.ok(head.ok);
  assert.deepEqual(withBody(head.value, r), toApiRequest(r, config, filmsSchema));
});
