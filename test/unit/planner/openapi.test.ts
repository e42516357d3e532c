// OpenAPI without a database: comments decoded into the schema cache, PostgREST's comment split,
// default parsing, proxy-URI locations, FK notes (a table before a view), the privileges filter,
// overload choice, and the 3.1 conversion of the same document.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSchemaCache } from '../../../planner/index.js';
import { baseType, location, openApiSpec, parseDefault, refName, refTo, splitComment, type OpenApiOptions } from '../../../planner/openapi/openapi.js';
import { decodeOpenApiAccess, signatureKey } from '../../../planner/openapi/openapi-access.js';
import { componentKeys, toOpenApi31 } from '../../../planner/openapi/openapi3.js';

const col = (name: string, type: string, extra: Record<string, unknown> = {}) => ({ name, type, nullable: true, has_default: false, ...extra });
const table = (name: string, columns: unknown[], extra: Record<string, unknown> = {}) => ({
  schema: 'api', name, kind: 'table', insertable: true, updatable: true, deletable: true, primary_key: ['id'], columns, ...extra,
});
const fk = (table: string, column: string, foreignTable: string) => ({
  constraint: `${table}_${column}_fkey`, schema: 'api', table, columns: [column], foreign_schema: 'api', foreign_table: foreignTable, foreign_columns: ['id'], unique: false,
});
const routine = (name: string, params: unknown[], extra: Record<string, unknown> = {}) => ({
  schema: 'api', name, set_of: false, volatility: 'stable', settings: [], return_kind: 'scalar',
  return_type: 'integer', return_schema: 'pg_catalog', return_name: 'int4', params, columns: [], ...extra,
});
const param = (name: string, type: string, hasDefault = false) => ({ name, type, has_default: hasDefault, variadic: false });

const cache = decodeSchemaCache({
  tables: JSON.stringify([
    // The view sorts first, so the table-before-view rule is what picks the note's target.
    table('a_parents_view', [col('id', 'integer')], { kind: 'view', primary_key: [] }),
    table('parents', [col('id', 'integer', { nullable: false }), col('mood', 'api.mood')]),
    table('kids', [col('id', 'integer', { nullable: false }), col('parent_id', 'integer'), col('pocket_money', 'api.amount')]),
  ]),
  foreignKeys: JSON.stringify([fk('kids', 'parent_id', 'parents'), { ...fk('kids', 'parent_id', 'a_parents_view'), constraint: 'copied' }]),
  routines: JSON.stringify([
    routine('f', [param('a', 'integer')]),
    routine('f', [param('a', 'integer'), param('b', 'text', true)], { description: 'Two args' }),
    routine('trig', [], { return_type: 'trigger' }),
    routine('unnamed', [param('', 'integer'), param('', 'integer')]),
  ]),
  comments: JSON.stringify({
    schemas: { api: 'My API\nwhat it does' },
    relations: [['api', 'parents', null, 'Parents\n\n\nAll of them'], ['api', 'parents', 'id', 'the key']],
  }),
  types: JSON.stringify({ enums: { 'api.mood': ['sad', 'happy'] }, domains: { 'api.amount': 'integer' } }),
});

const options = (over: Partial<OpenApiOptions> = {}): OpenApiOptions => ({
  schema: 'api', proxyUri: null, host: '!4', port: 3000, version: '1.0', securityActive: false, access: null, ...over,
});

describe('openapi: comments in the schema cache', () => {
  test('table, column, function and schema comments and enum labels are decoded; absent ones stay absent', () => {
    const parents = cache.tables.get('api\u0000parents');
    assert.equal(parents?.description, 'Parents\n\n\nAll of them');
    assert.equal(parents?.columns[0]?.description, 'the key');
    assert.equal('description' in (cache.tables.get('api\u0000kids')?.columns[1] ?? {}), false);
    assert.equal(cache.routines?.get('api\u0000f')?.[1]?.description, 'Two args');
    assert.equal(cache.schemaDescriptions?.get('api'), 'My API\nwhat it does');
    assert.deepEqual(parents?.columns[1]?.enumValues, ['sad', 'happy']);
    assert.throws(() => decodeSchemaCache({ tables: '[]', comments: '{"schemas":{},"relations":[["api"]]}' }), /unexpected catalog data/);
  });
});

describe('openapi: PostgREST details', () => {
  test('the first comment line is the summary, the rest (leading newlines dropped) the description', () => {
    assert.deepEqual(splitComment('One line'), { summary: 'One line', description: '' });
    assert.deepEqual(splitComment('Sum\n\nDesc\nmore'), { summary: 'Sum', description: 'Desc\nmore' });
  });

  test('defaults: literals become JSON values, expressions are left out', () => {
    assert.equal(parseDefault('text', "'hello'::text"), 'hello');
    assert.equal(parseDefault('character varying', "'x'::character varying"), 'x');
    assert.equal(parseDefault('integer', '42'), 42);
    assert.equal(parseDefault('boolean', 'false'), false);
    assert.equal(parseDefault('integer', "nextval('s'::regclass)"), undefined);
    assert.equal(parseDefault('jsonb', "'{}'::jsonb"), undefined);
    assert.equal(baseType('timestamp(3) with time zone'), 'timestamp with time zone');
    assert.equal(baseType('character varying(20)[]'), 'character varying[]');
  });

  test('references escape names as JSON-pointer tokens in a URI fragment, and read back', () => {
    assert.equal(refTo('parameters', 'rowFilter.spaced table.a/b~c'), '#/parameters/rowFilter.spaced%20table.a~1b~0c');
    assert.equal(refTo('definitions', 'Фильмы'), '#/definitions/%D0%A4%D0%B8%D0%BB%D1%8C%D0%BC%D1%8B');
    assert.equal(refName(refTo('parameters', 'x y/z~'), 'parameters'), 'x y/z~');
    assert.equal(refName('#/definitions/x', 'parameters'), null);
  });

  test('host:port, basePath and scheme from the proxy URI or the server address', () => {
    assert.deepEqual(location({ proxyUri: 'https://api.example.com/v1', host: 'x', port: 1 }), { host: 'api.example.com:443', basePath: '/v1', schemes: ['https'] });
    assert.deepEqual(location({ proxyUri: 'http://h:8080', host: 'x', port: 1 }), { host: 'h:8080', basePath: '/', schemes: ['http'] });
    assert.deepEqual(location({ proxyUri: null, host: '*6', port: 3000 }), { host: '0.0.0.0:3000', basePath: '/', schemes: ['http'] });
  });

  test('FK note names the table rather than a view exposing it; comments and notes join', () => {
    const s = openApiSpec(cache, options());
    assert.equal(s.definitions['kids']?.properties?.['parent_id']?.description, "Note:\nThis is a Foreign Key to `parents.id`.<fk table='parents' column='id'/>");
    assert.equal(s.definitions['parents']?.properties?.['id']?.description, 'the key\n\nNote:\nThis is a Primary Key.<pk/>');
    assert.equal(s.paths['/parents']?.get?.summary, 'Parents');
    assert.equal(s.paths['/parents']?.get?.description, 'All of them');
    assert.deepEqual(s.info, { version: '1.0', title: 'My API', description: 'what it does' });
    assert.equal(s.host, '0.0.0.0:3000');
    // A domain over a built-in type is described as that type, as PostgREST does.
    assert.deepEqual(s.definitions['kids']?.properties?.['pocket_money'], { format: 'int32', type: 'integer' });
  });

  test('functions: the overload with most parameters; trigger functions and unnamed parameters left out', () => {
    const s = openApiSpec(cache, options());
    const rpc = Object.keys(s.paths).filter((p) => p.startsWith('/rpc/'));
    assert.deepEqual(rpc, ['/rpc/f']);
    assert.equal(s.paths['/rpc/f']?.post?.summary, 'Two args');
    assert.deepEqual(s.paths['/rpc/f']?.get?.parameters?.map((p) => ('name' in p ? p.name : p.$ref)), ['a', 'b']);
  });

  test('follow-privileges: only the granted relations, methods and overloads', () => {
    const access = decodeOpenApiAccess(JSON.stringify({ tables: [['kids', true, false, true, false]], routines: [['f', ['integer']]] }));
    const s = openApiSpec(cache, options({ access }));
    assert.deepEqual(Object.keys(s.paths).sort(), ['/', '/kids', '/rpc/f']);
    assert.deepEqual(Object.keys(s.paths['/kids'] ?? {}).sort(), ['get', 'patch']);
    assert.deepEqual(Object.keys(s.definitions), ['kids']);
    assert.equal(Object.keys(s.parameters).some((k) => k.includes('parents')), false);
    // Only the one-argument overload may be executed.
    assert.deepEqual(s.paths['/rpc/f']?.get?.parameters?.map((p) => ('name' in p ? p.name : p.$ref)), ['a']);
    assert.ok(access.routines.has(signatureKey('f', ['integer'])));
    assert.deepEqual(decodeOpenApiAccess(null).tables.size, 0);
    assert.throws(() => decodeOpenApiAccess('{"tables":[["x"]],"routines":[]}'), /unexpected privileges data/);
  });
});

describe('openapi: 3.1 from the same document', () => {
  test('definitions, parameters and bodies move to components; refs follow; servers from the location', () => {
    const doc = toOpenApi31(openApiSpec(cache, options({ proxyUri: 'https://api.example.com/v1', securityActive: true })));
    assert.equal(doc['openapi'], '3.1.0');
    assert.deepEqual(doc['servers'], [{ url: 'https://api.example.com:443/v1' }]);
    const paths = doc['paths'] as Record<string, Record<string, Record<string, unknown>>>;
    assert.deepEqual(paths['/kids']?.['post']?.['requestBody'], { $ref: '#/components/requestBodies/body.kids' });
    const ok = (paths['/kids']?.['get']?.['responses'] as Record<string, { content: Record<string, { schema: unknown }> }>)['200'];
    assert.deepEqual(ok?.content['application/json']?.schema, { items: { $ref: '#/components/schemas/kids' }, type: 'array' });
    const components = doc['components'] as Record<string, Record<string, unknown>>;
    const kids = components['schemas']?.['kids'] as { properties: Record<string, { type: unknown }> };
    // NOT NULL stays a plain type; a nullable column admits null.
    assert.equal(kids.properties['id']?.type, 'integer');
    assert.deepEqual(kids.properties['parent_id']?.type, ['integer', 'null']);
    assert.deepEqual(components['parameters']?.['select'], { name: 'select', in: 'query', description: 'Filtering Columns', required: false, schema: { type: 'string' } });
    assert.equal((components['securitySchemes']?.['JWT'] as { scheme: string }).scheme, 'bearer');
    assert.deepEqual(doc['security'], [{ JWT: [] }]);
  });

  test('component keys: valid names kept, others sanitized without clashes', () => {
    const keys = componentKeys(['todos', 'spaced table', 'spaced_table', 'Фильмы', 'rowFilter.a.b']);
    assert.deepEqual([...keys.values()], ['todos', 'spaced_table_2', 'spaced_table', '______', 'rowFilter.a.b']);
  });
});
