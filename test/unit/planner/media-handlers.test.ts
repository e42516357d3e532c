// Media type handlers in the planner: the catalog decoder, plan-time negotiation (PostgREST's
// lookup order, default-select rule, vendor types never overridden, 406), and the body SQL.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { actionPlan, decodeSchemaCache, mainStatement, toApiRequest, type Plan, type SchemaCache } from '../../../planner/index.js';
import { decodeMediaHandlers } from '../../../planner/schema/media-handlers.js';
import { schemaCacheToJson } from '../../../planner/schema/dump.js';
import { filmsTables } from './films-schema.js';

const handler = (kind: string, name: string, mediaType: string, target: [string, string] | null, binary = false) => ({
  kind,
  schema: 'api',
  name,
  target_schema: target?.[0] ?? '',
  target_name: target?.[1] ?? '',
  anyelement: target === null,
  media_type: mediaType,
  content_type: mediaType === '*/*' ? 'application/octet-stream' : mediaType,
  binary,
});

const handlers = [
  handler('aggregate', 'films_tsv', 'text/tab-separated-values', ['api', 'films']),
  handler('aggregate', 'plain', 'text/plain', null),
];

const cache = (rows: unknown[]): SchemaCache => decodeSchemaCache({ tables: filmsTables, mediaHandlers: JSON.stringify(rows) });

function plan(c: SchemaCache, query: string, accept: string | undefined, planEnabled = false): { ok: true; value: Plan } | { ok: false; code: string; message: string } {
  const headers: Record<string, string> = accept === undefined ? {} : { accept };
  const req = toApiRequest({ method: 'GET', path: '/films', query, headers, body: null }, { schemas: ['api'], planEnabled });
  if (!req.ok) return { ok: false, code: req.error.code, message: req.error.message };
  const p = actionPlan(req.value, c, { maxRows: null, planEnabled });
  return p.ok ? p : { ok: false, code: p.error.code, message: p.error.message };
}

function media(c: SchemaCache, query: string, accept: string | undefined): string {
  const p = plan(c, query, accept);
  if (!p.ok) return p.code;
  const m = p.value.request.media;
  return m.kind === 'handler' ? `handler:${m.handler.name}` : m.kind;
}

describe('media handlers: decode', () => {
  test('no rows → no handlers at all (the hot path checks one property)', () => {
    assert.equal(decodeMediaHandlers('[]'), undefined);
    assert.equal(cache([]).mediaHandlers, undefined);
  });

  test('rows → by target and anyelement; builtin overrides are flagged', () => {
    const h = decodeMediaHandlers(JSON.stringify(handlers))!;
    assert.equal(h.byTarget.get('api\u0000films')?.get('text/tab-separated-values')?.name, 'films_tsv');
    assert.equal(h.anyElement.get('text/plain')?.name, 'plain');
    assert.equal(h.overridesBuiltin, false);
    assert.equal(decodeMediaHandlers(JSON.stringify([handler('aggregate', 'csv', 'text/csv', null)]))!.overridesBuiltin, true);
  });

  test('the schema-cache dump lists them as dbMediaHandlers', () => {
    const dumped = schemaCacheToJson(cache(handlers)) as { dbMediaHandlers: { name: string; mediaType: string }[] };
    assert.deepEqual(dumped.dbMediaHandlers.map((h) => [h.name, h.mediaType]), [['films_tsv', 'text/tab-separated-values'], ['plain', 'text/plain']]);
    assert.deepEqual((schemaCacheToJson(cache([])) as { dbMediaHandlers: unknown[] }).dbMediaHandlers, []);
  });

  test('malformed catalog rows fail loudly', () => {
    assert.throws(() => decodeMediaHandlers('{}'), /media handlers/);
    assert.throws(() => decodeMediaHandlers('[{"kind":"aggregate"}]'), /media handler/);
    assert.throws(() => decodeMediaHandlers(JSON.stringify([{ ...handler('aggregate', 'x', 'a/b', null), kind: 'other' }])), /kind/);
  });
});

describe('media handlers: negotiation', () => {
  const c = cache(handlers);

  test('Accept order, handlers and builtins', () => {
    assert.equal(media(c, '', 'text/tab-separated-values'), 'handler:films_tsv');
    assert.equal(media(c, '', 'text/plain'), 'handler:plain');
    assert.equal(media(c, '', 'image/png, text/plain'), 'handler:plain');
    assert.equal(media(c, '', 'application/json, text/plain'), 'json');
    assert.equal(media(c, '', undefined), 'json');
    assert.equal(media(c, '', 'application/vnd.pgrst.object+json'), 'object');
  });

  test('a table handler only with the default select; anyelement handlers always', () => {
    assert.equal(media(c, 'select=*', 'text/tab-separated-values'), 'handler:films_tsv');
    assert.equal(media(c, 'select=id', 'text/tab-separated-values'), 'PGRST107');
    assert.equal(media(c, 'select=id', 'text/plain'), 'handler:plain');
  });

  test('the catch-all wins for any Accept except vendor types', () => {
    const all = cache([...handlers, handler('aggregate', 'films_any', '*/*', ['api', 'films'], true)]);
    assert.equal(media(all, '', 'application/json'), 'handler:films_any');
    assert.equal(media(all, '', 'text/csv'), 'handler:films_any');
    assert.equal(media(all, '', undefined), 'handler:films_any');
    assert.equal(media(all, '', 'application/vnd.pgrst.object+json'), 'object');
  });

  test('an anyelement text/csv handler replaces the builtin CSV', () => {
    const csv = cache([handler('aggregate', 'my_csv', 'text/csv', null)]);
    assert.equal(media(csv, 'select=id', 'text/csv'), 'handler:my_csv');
    assert.equal(media(csv, 'select=id', 'application/json'), 'json');
  });

  test('406 PGRST107 names the accepted types in preference order', () => {
    const p = plan(c, '', 'image/png;q=0.5, image/gif');
    assert.deepEqual(p, { ok: false, code: 'PGRST107', message: 'None of these media types are available: image/gif, image/png' });
    // Without handlers in the database, the same answer.
    assert.deepEqual(plan(cache([]), '', 'image/gif'), { ok: false, code: 'PGRST107', message: 'None of these media types are available: image/gif' });
  });

  test('a plan for= a handler type resolves through the handlers (only when plans are enabled)', () => {
    const p = plan(c, '', 'application/vnd.pgrst.plan; for="text/plain"', true);
    assert.ok(p.ok);
    const m = p.value.request.media;
    assert.ok(m.kind === 'plan' && m.target.kind === 'handler' && m.target.handler.name === 'plain');
    assert.equal(plan(c, '', 'application/vnd.pgrst.plan; for="text/plain"', false).ok, false);
  });
});

describe('media handlers: SQL', () => {
  const c = cache([...handlers, handler('aggregate', 'films_bin', 'application/octet-stream', ['api', 'films'], true)]);
  const text = (query: string, accept: string): string => {
    const p = plan(c, query, accept);
    assert.ok(p.ok);
    return mainStatement(p.value).text;
  };

  test('a relation aggregate gets the rows as the table type; anyelement gets them as they are', () => {
    assert.match(text('', 'text/tab-separated-values'), /coalesce\(\("api"\."films_tsv"\(_pgrst_t::"api"\."films"\)\)::text, ''\) AS body/);
    assert.match(text('select=id', 'text/plain'), /coalesce\(\("api"\."plain"\(_pgrst_t\)\)::text, ''\) AS body/);
  });

  test('a bytea handler travels hex-encoded', () => {
    assert.match(text('', 'application/octet-stream'), /coalesce\(encode\(\("api"\."films_bin"\(_pgrst_t::"api"\."films"\)\)::bytea, 'hex'\), ''\) AS body/);
  });

  test('a plan wraps the same statement in EXPLAIN with the same parameters', () => {
    const json = plan(c, 'id=eq.1', undefined);
    const explained = plan(c, 'id=eq.1', 'application/vnd.pgrst.plan+json; options=analyze|verbose', true);
    assert.ok(json.ok && explained.ok);
    const a = mainStatement(json.value);
    const b = mainStatement(explained.value);
    assert.equal(b.text, 'EXPLAIN (FORMAT JSON, ANALYZE, VERBOSE) ' + a.text);
    assert.deepEqual(b.params, a.params);
  });

  test('msgpack builds the JSON body (the gateway packs it)', () => {
    const json = plan(c, 'id=eq.1', 'application/json');
    const packed = plan(c, 'id=eq.1', 'application/msgpack');
    assert.ok(json.ok && packed.ok);
    assert.equal(mainStatement(packed.value).text, mainStatement(json.value).text);
    assert.notEqual(packed.value.request.shape, json.value.request.shape);
  });

  test('geo+json: PostgREST\'s FeatureCollection over ST_AsGeoJSON', () => {
    assert.match(text('', 'application/geo+json'), /json_build_object\('type', 'FeatureCollection', 'features', coalesce\(json_agg\(ST_AsGeoJSON\(_pgrst_t\)::json\), '\[\]'\)\)::text AS body/);
  });
});
