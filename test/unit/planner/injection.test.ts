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

  test('the text is the same whatever the role, claims or number of settings', () => {
    const a = txVarsStatement({ ...ctx, settings: [] });
    const b = txVarsStatement({ ...ctx, role: 'other', settings: [['app.settings.a', '1'], ['statement_timeout', '1s'], ['x.y', EVIL]] });
    assert.equal(a.text, b.text);
    assert.ok(!a.text.includes('reset role'));
    assert.deepEqual(b.params.slice(7), ['{"app.settings.a","statement_timeout","x.y"}', `{"1","1s","${EVIL}"}`]);
  });

  test('reads get the read-only variant, still one statement', () => {
    const r = txVarsStatement({ ...ctx, settings: [], readOnly: true });
    assert.match(r.text, /transaction_read_only/);
    assert.equal(r.params.length, 9);
  });
});
