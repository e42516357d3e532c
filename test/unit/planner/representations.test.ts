// Data representations in the planner: the catalog rows decoded onto columns once per load
// (representations.ts, annotations.ts), and the SQL they shape: output columns and `*`
// through the to-json function (schema-qualified, named after the column), filter values
// through the from-text one (like/ilike and JSON paths untouched), bodies through the
// from-json one; tables without representations get the same SQL as before.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { toApiRequest } from '../../../planner/request/request.js';
import { actionPlan } from '../../../planner/plan/plan.js';
import { mainStatement } from '../../../planner/sql/statements.js';
import { decodeSchemaCache } from '../../../planner/schema/decode.js';
import { decodeRepresentations } from '../../../planner/schema/representations.js';
import { NO_COMMENTS } from '../../../planner/schema/annotations.js';
import type { Compiled } from '../../../planner/sql/sql.js';

const col = (name: string, type: string) => ({ name, type, nullable: true, has_default: false });
const tables = JSON.stringify([
  {
    schema: 'api',
    name: 'paint',
    kind: 'table',
    insertable: true,
    updatable: true,
    deletable: true,
    primary_key: ['id'],
    columns: [col('id', 'integer'), col('color', 'rd2.rgb'), col('made', 'rd2.epoch')],
  },
  { schema: 'api', name: 'plain', kind: 'table', insertable: true, updatable: true, deletable: true, primary_key: ['id'], columns: [col('id', 'integer'), col('color', 'integer')] },
]);
const types = JSON.stringify({
  enums: {},
  domains: { 'rd2.rgb': 'integer', 'rd2.epoch': 'timestamp with time zone' },
  representations: [
    ['rd2.rgb', 'json', 'rd2', 'rgb_json'],
    ['json', 'rd2.rgb', 'rd2', 'rgb'],
    ['text', 'rd2.rgb', 'rd2', 'rgb'],
    ['rd2.epoch', 'json', 'rd2', 'epoch_json'],
    ['json', 'rd2.epoch', 'rd2', 'epoch'],
  ],
});
const cache = decodeSchemaCache({ tables, comments: NO_COMMENTS, types });

function statement(method: string, path: string, query: string, body: string | null = null, prefer?: string): Compiled {
  const headers: Record<string, string> = prefer === undefined ? {} : { prefer };
  const req = toApiRequest({ method, path, query, headers, body: body === null ? null : new TextEncoder().encode(body) }, { schemas: ['api'] });
  if (!req.ok) assert.fail(req.error.message);
  const plan = actionPlan(req.value, cache, { maxRows: null });
  if (!plan.ok) assert.fail(plan.error.message);
  return mainStatement(plan.value);
}

describe('data representations: decoding', () => {
  test('rows become conversions by domain type; other rows are ignored', () => {
    const reps = decodeRepresentations([
      ['d', 'json', 's', 'out'],
      ['json', 'd', 's', 'in'],
      ['text', 'd', 's', 'parse'],
      ['json', 'json', 's', 'self'],
    ]);
    assert.deepEqual(reps.get('d'), { toJson: { schema: 's', name: 'out' }, fromJson: { schema: 's', name: 'in' }, fromText: { schema: 's', name: 'parse' } });
    assert.equal(reps.has('json'), false);
    assert.equal(decodeRepresentations(undefined).size, 0);
  });

  test('malformed rows fail the load loudly', () => {
    assert.throws(() => decodeRepresentations({}), /unexpected catalog data/);
    assert.throws(() => decodeRepresentations([['d', 'json', 's']]), /unexpected catalog data/);
    assert.throws(() => decodeRepresentations([['d', 'json', 's', 1]]), /unexpected catalog data/);
  });

  test('columns carry their domain’s representation; tables say whether they have any', () => {
    const paint = cache.tables.get('api\u0000paint')!;
    assert.deepEqual(paint.columnsByName.get('color')?.representation?.fromText, { schema: 'rd2', name: 'rgb' });
    assert.equal(paint.columnsByName.get('made')?.representation?.fromText, undefined);
    assert.equal(paint.formatsOutput, true);
    assert.equal(paint.parsesJson, true);
    assert.equal(paint.parsesText, true);
    const plain = cache.tables.get('api\u0000plain')!;
    assert.equal(plain.formatsOutput, undefined);
    assert.equal(plain.columnsByName.get('color')?.representation, undefined);
  });
});

describe('data representations: SQL', () => {
  test('a selected column goes through the to-json function and keeps its name', () => {
    const s = statement('GET', '/paint', 'select=id,color,c:made::text');
    assert.match(s.text, /"api"\."paint"\."id", "rd2"\."rgb_json"\("api"\."paint"\."color"\) AS "color", CAST\("rd2"\."epoch_json"\("api"\."paint"\."made"\) AS text\) AS "c"/);
  });

  test('`*` lists the columns when the table has a representation, not otherwise', () => {
    assert.match(statement('GET', '/paint', '').text, /SELECT "api"\."paint"\."id", "rd2"\."rgb_json"\("api"\."paint"\."color"\) AS "color", "rd2"\."epoch_json"\("api"\."paint"\."made"\) AS "made" FROM/);
    assert.match(statement('GET', '/plain', '').text, /SELECT "api"\."plain"\.\* FROM/);
  });

  test('a JSON path reads the stored value', () => {
    const s = statement('GET', '/paint', 'select=color->>x');
    assert.ok(!s.text.includes('rgb_json'), s.text);
  });

  test('filter values go through the from-text function, still as parameters', () => {
    const eq = statement('GET', '/paint', 'select=id&color=eq.000100');
    assert.match(eq.text, /"api"\."paint"\."color" = "rd2"\."rgb"\(\$1::text\)/);
    assert.ok(eq.params.includes('000100'));
    const inList = statement('GET', '/paint', 'select=id&color=in.(a,b)');
    assert.match(inList.text, /"api"\."paint"\."color" = ANY \(\(SELECT "rd2"\."rgb"\(unnest\(\$1::text\[\]\)\)\)\)/);
    assert.ok(inList.params.includes('{"a","b"}'));
    // like/ilike, and columns without a from-text cast, compare the value as it is.
    assert.match(statement('GET', '/paint', 'select=id&color=like.*1').text, /"api"\."paint"\."color" LIKE \$1/);
    assert.match(statement('GET', '/paint', 'select=id&made=eq.x').text, /"api"\."paint"\."made" = \$1/);
  });

  test('body values go through the from-json function; other keys are narrowed to the written ones', () => {
    const s = statement('POST', '/paint', '', JSON.stringify({ id: 1, color: '#000001' }));
    assert.match(s.text, /SELECT _pgrst_body\."id", "rd2"\."rgb"\(_pgrst_e\.j -> \$\d+::text\) FROM json_array_elements/);
    assert.match(s.text, /json_populate_record\(null::"api"\."paint", CASE WHEN json_typeof\(_pgrst_e\.j\) = 'object' THEN json_build_object\(\$\d+::text, _pgrst_e\.j -> \$\d+::text\) ELSE _pgrst_e\.j END\)/);
    const patch = statement('PATCH', '/paint', 'id=eq.1', JSON.stringify({ color: '#000001' }));
    assert.match(patch.text, /SET "color" = "rd2"\."rgb"\(_pgrst_p\.j -> \$\d+::text\) FROM/);
    assert.match(patch.text, /json_populate_record\(null::"api"\."paint", CASE WHEN json_typeof\(_pgrst_p\.j\) = 'object' THEN '\{\}'::json ELSE _pgrst_p\.j END\)/);
  });

  test('a table without representations keeps its plain body path', () => {
    const s = statement('POST', '/plain', '', JSON.stringify({ id: 1, color: 2 }));
    assert.match(s.text, /SELECT "id", "color" FROM json_populate_recordset\(null::"api"\."plain"/);
  });
});
