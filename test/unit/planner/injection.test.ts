// Injection attempts through every request part the planner turns into SQL (identifiers,
// values, order, select, on_conflict, columns, profile) reach the SQL text only as quoted
// identifiers; values only as parameters. Also: the set_config text is fixed per shape.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  actionPlan,
  decodeSchemaCache,
  mainStatement,
  preRequestStatement,
  toApiRequest,
  txVarsStatement,
  type RawRequest,
} from '../../../planner/index.js';

const EVIL = `x'); drop table api.todos; --`;
const EVIL_IDENT = `a"; drop table api.todos; --`;

const col = (name: string, type = 'text'): object => ({ name, type, nullable: true, has_default: false });
const cache = decodeSchemaCache({
  tables: JSON.stringify([
    { schema: 'api', name: 'todos', kind: 'table', columns: [col('id', 'integer'), col('title'), col(EVIL_IDENT)], primary_key: ['id'], insertable: true, updatable: true, deletable: true },
  ]),
});

/** SQL text with every double-quoted identifier removed: what is left is code, not names. */
const outsideIdentifiers = (text: string): string => text.replace(/"(?:[^"]|"")*"/g, '""');

function planSql(method: string, query: string, body: string | null = null, headers: Record<string, string> = {}): { text: string; params: readonly (string | null)[] } | string {
  const raw: RawRequest = { method, path: '/todos', query, headers: { 'content-type': 'application/json', ...headers }, body: body === null ? null : new TextEncoder().encode(body) };
  const req = toApiRequest(raw, { schemas: ['api'] });
  if (!req.ok) return req.error.code;
  const plan = actionPlan(req.value, cache, { maxRows: null });
  if (!plan.ok) return plan.error.code;
  return mainStatement(plan.value);
}

const enc = encodeURIComponent;
const ATTEMPTS: readonly (readonly [string, string, string, (string | null)?])[] = [
  ['value in eq', 'GET', `title=eq.${enc(EVIL)}`],
  ['value in in()', 'GET', `title=in.(${enc(`"${EVIL}"`)},b)`],
  ['value in like', 'GET', `title=like.${enc(EVIL)}*`],
  ['column in a filter', 'GET', `${enc(EVIL_IDENT)}=eq.1`],
  ['column in select', 'GET', `select=${enc(EVIL_IDENT)}`],
  ['alias in select', 'GET', `select=${enc('x:title')}`],
  ['order by an evil column', 'GET', `order=${enc(EVIL_IDENT)}.desc`],
  ['order with trailing SQL', 'GET', `order=${enc('title; drop table api.todos')}`],
  ['limit', 'GET', `limit=${enc('1; drop table api.todos')}`],
  ['on_conflict', 'POST', `on_conflict=${enc(EVIL_IDENT)}`, '{"title":"t"}'],
  ['columns', 'POST', `columns=${enc(EVIL_IDENT)}`, '{"title":"t"}'],
  ['body key', 'POST', '', JSON.stringify({ [EVIL_IDENT]: EVIL })],
  ['body value', 'PATCH', 'id=eq.1', JSON.stringify({ title: EVIL })],
];

describe('injection attempts stay identifiers or parameters', () => {
  for (const [name, method, query, body] of ATTEMPTS) {
    test(name, () => {
      const out = planSql(method, query, body ?? null);
      // A refusal (PGRSTxxx / 42703-style) is fine: nothing reached PostgreSQL.
      if (typeof out === 'string') return;
      assert.doesNotMatch(outsideIdentifiers(out.text), /drop table/i, out.text);
      assert.ok(!out.text.includes(EVIL), out.text);
    });
  }

  test('an evil Accept-Profile is refused before planning', () => {
    assert.equal(planSql('GET', '', null, { 'accept-profile': EVIL_IDENT }), 'PGRST106');
  });

  test('db-pre-request names are quoted identifiers', () => {
    const s = preRequestStatement('hooks.pre(); drop table api.todos; --');
    assert.equal(s.text, 'select "hooks"."pre(); drop table api.todos; --"()');
  });
});

describe('txVarsStatement', () => {
  const ctx = {
    role: `web_user'; reset role; --`,
    claims: '{}',
    method: 'GET',
    path: '/todos',
    headers: '{}',
    cookies: '{}',
    searchPath: '"api"',
    readOnly: false,
  };

  test('the text depends on the number of settings only, never on a role, claim, name or value', () => {
    const none = txVarsStatement({ ...ctx, settings: [] });
    const a = txVarsStatement({ ...ctx, settings: [['app.settings.a', '1']] });
    const a2 = txVarsStatement({ ...ctx, role: 'other', settings: [['statement_timeout', EVIL]] });
    const b = txVarsStatement({ ...ctx, role: 'other', settings: [['app.settings.a', '1'], ['statement_timeout', '1s'], ['x.y', EVIL]] });
    const b2 = txVarsStatement({ ...ctx, settings: [['x.y', EVIL], ['app.settings.b', '2'], ['timezone', 'UTC']] });
    assert.equal(a.text, a2.text);
    assert.equal(b.text, b2.text);
    assert.notEqual(none.text, a.text);
    assert.notEqual(a.text, b.text);
    assert.equal(txVarsStatement({ ...ctx, role: 'other', claims: '{"a":1}', settings: [] }).text, none.text);
    for (const s of [none, a, b]) {
      assert.ok(!s.text.includes('reset role') && !s.text.includes(EVIL) && !s.text.includes('app.settings'));
      assert.ok(!s.text.includes('unnest'));
    }
    assert.deepEqual(none.params.length, 7);
    // Names and values in order, each a parameter of its own set_config.
    assert.deepEqual(b.params.slice(7), ['app.settings.a', '1', 'statement_timeout', '1s', 'x.y', EVIL]);
    assert.match(b.text, /, set_config\(\$8, \$9, true\), set_config\(\$10, \$11, true\), set_config\(\$12, \$13, true\)$/);
  });

  test('more than eight settings go in as two array parameters (one text for any larger number)', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i): [string, string] => [`app.settings.s${i}`, i === 3 ? EVIL : String(i)]);
    const eight = txVarsStatement({ ...ctx, settings: many(8) });
    assert.equal(eight.params.length, 7 + 16);
    assert.ok(!eight.text.includes('unnest'));
    const nine = txVarsStatement({ ...ctx, settings: many(9) });
    const twenty = txVarsStatement({ ...ctx, settings: many(20) });
    assert.equal(nine.text, twenty.text);
    assert.match(nine.text, /unnest\(\$8::text\[\], \$9::text\[\]\)/);
    assert.equal(nine.params.length, 9);
    assert.equal(nine.params[7], '{' + many(9).map(([k]) => `"${k}"`).join(',') + '}');
    assert.ok(!nine.text.includes(EVIL));
  });

  test('reads get the read-only variant, still one statement', () => {
    const r = txVarsStatement({ ...ctx, settings: [['app.settings.a', '1']], readOnly: true });
    assert.match(r.text, /transaction_read_only/);
    assert.equal(r.params.length, 9);
    assert.equal(r.text, txVarsStatement({ ...ctx, settings: [['app.settings.a', '1']] }).text + ", set_config('transaction_read_only', 'on', true)");
    const bare = txVarsStatement({ ...ctx, settings: [], readOnly: true });
    assert.match(bare.text, /transaction_read_only/);
    assert.equal(bare.params.length, 7);
  });
});
