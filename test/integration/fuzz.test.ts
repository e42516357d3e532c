// A bounded, grammar-aware fuzz of the HTTP surface (issue 15): a few thousand requests built
// from a seeded PRNG over the URL grammar (select, filters, logic trees, order, paging),
// headers (Prefer, Accept, Range, profiles, Content-Type), JWTs (valid, expired, odd roles,
// deep claims, garbage) and bodies (JSON, CSV, forms, bad UTF-8). Asserts: no 5xx except
// 503/504, the gateway keeps answering, RSS stays bounded. Same seed, same requests.
// Writes only touch api.proto63_* (other suites run alongside).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Gateway } from '../../gateway/app.js';
import { JWT_SECRET, startTestGateway } from '../helpers/gateway.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 15);
const REQUESTS = Number(process.env['FUZZ_REQUESTS'] ?? 3000);
const CONCURRENCY = 8;
const RSS_GROWTH_LIMIT_MIB = 300;

/** mulberry32: small, fast, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
}

function generator(seed: number): () => FuzzRequest {
  const rand = prng(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number): boolean => rand() < p;
  const junkChars = 'aZ09_-.,:()!*"\'\\ %&=+;[]{}<>|~`^$#@?/\u00e9\u0000\u007f';
  const junk = (max: number): string => Array.from({ length: int(max) }, () => pick([...junkChars])).join('');

  const columns = ['id', 'name', 'n', 'tags', 'doc', 'nope', '"quoted col"', '*'];
  const tables = ['proto63_fuzz', 'proto63_readonly', 'todos', 'people', 'items', 'nonexistent', 'proto_locked'];
  const writable = ['proto63_fuzz', 'proto63_readonly', 'proto63_missing'];
  const ops = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'in', 'is', 'isdistinct', 'fts', 'plfts', 'phfts', 'wfts', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj', 'bogus', 'eq(any)', 'like(all)', 'fts(english)'];
  const values = ['1', '0', '-1', '99999999999999999999', 'abc', 'null', 'true', 'not_null', 'unknown', '{a,b}', '[1,10)', '(1,2)', '"q,uoted"', '%', 'row*', '', '1.5e3', 'NaN', '\u00e9\u00e9', '{"a":1}'];

  const jsonPath = (): string => {
    let s = pick(['doc', 'tags', 'name', 'nope']);
    const depth = chance(0.05) ? 90 + int(30) : int(4);
    for (let i = 0; i < depth; i++) s += pick(['->', '->>']) + pick(['a', 'b', 'k', '0', '-1', '"x y"']);
    return s;
  };
  const field = (): string => (chance(0.3) ? jsonPath() : pick(columns));
  const selectItem = (depth: number): string => {
    const r = rand();
    if (r < 0.45) return (chance(0.2) ? 'al:' : '') + field() + (chance(0.1) ? pick(['::text', '::int', '::bogus type', '::']) : '');
    if (r < 0.6) return (chance(0.5) ? field() + '.' : '') + pick(['count()', 'sum()', 'avg()', 'max()', 'min()', 'bogus()']);
    if (r < 0.85 && depth < 3) return (chance(0.2) ? '...' : '') + pick(tables) + pick(['', '!inner', '!left', '!hint', '!inner!left']) + '(' + selectList(depth + 1) + ')';
    return junk(6);
  };
  const selectList = (depth: number): string => Array.from({ length: 1 + int(3) }, () => selectItem(depth)).join(',');
  const condition = (depth: number): string => {
    if (depth < 4 && chance(0.25)) return (chance(0.2) ? 'not.' : '') + pick(['and', 'or']) + '(' + Array.from({ length: 1 + int(3) }, () => condition(depth + 1)).join(',') + ')';
    const op = pick(ops);
    const value = op === 'in' ? '(' + Array.from({ length: int(4) }, () => pick(values)).join(',') + ')' : pick(values);
    return field() + '.' + (chance(0.1) ? 'not.' : '') + op + '.' + value;
  };
  const deepTree = (): string => 'or=(' + 'and('.repeat(100 + int(200)) + 'id.eq.1' + ')'.repeat(100 + int(200)) + ')';
  const query = (): string => {
    const parts: string[] = [];
    const n = int(5);
    for (let i = 0; i < n; i++) {
      const r = rand();
      if (r < 0.2) parts.push('select=' + selectList(0));
      else if (r < 0.45) parts.push(field() + '=' + (chance(0.1) ? 'not.' : '') + pick(ops) + '.' + pick(values));
      else if (r < 0.6) parts.push((chance(0.2) ? 'not.' : '') + pick(['and', 'or']) + '=(' + condition(0) + ',' + condition(0) + ')');
      else if (r < 0.7) parts.push('order=' + field() + pick(['', '.asc', '.desc', '.nullsfirst', '.desc.nullslast', '.bogus']));
      else if (r < 0.8) parts.push(pick(['limit', 'offset']) + '=' + pick(['0', '1', '10', '-1', 'x', '99999999999999999999']));
      else if (r < 0.85) parts.push(pick(tables) + '.' + pick(['limit', 'order', 'offset', 'or', 'id']) + '=' + pick(['1', 'id.desc', '(id.eq.1)', 'eq.1']));
      else if (r < 0.88) parts.push(chance(0.5) ? deepTree() : 'select=' + 'proto63_fuzz('.repeat(150) + 'id' + ')'.repeat(150));
      else if (r < 0.92) parts.push(pick(['columns', 'on_conflict']) + '=' + pick(['name,n', 'id', '', 'nope', '"a"']));
      else parts.push(encodeURIComponent(junk(8)) + '=' + encodeURIComponent(junk(12)));
    }
    return parts.join('&');
  };

  const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');
  const jwt = (claims: string, secret = JWT_SECRET, alg = 'HS256'): string => {
    const input = b64(JSON.stringify({ alg, typ: 'JWT' })) + '.' + b64(claims);
    return input + '.' + createHmac('sha256', secret).update(input).digest('base64url');
  };
  const now = Math.floor(Date.now() / 1000);
  const token = (): string => {
    const r = rand();
    const role = pick(['web_anon', 'test_user', 'web_user', 'proto_fuzz_no_such_role', '', 'authenticator', 'postgres']);
    if (r < 0.35) return jwt(JSON.stringify({ role, exp: now + pick([-3600, 3600]), aud: pick([undefined, 'x', ['a', 'b'], 5]) }));
    if (r < 0.45) return jwt('{"role":"web_anon","x":' + '['.repeat(50 + int(5000)) + ']'.repeat(0) + '}');
    if (r < 0.55) return jwt('{"role":"web_anon","x":' + '{"a":'.repeat(60 + int(20)) + '1' + '}'.repeat(60 + int(20)) + '}');
    if (r < 0.65) return jwt(JSON.stringify({ role }), 'wrong-secret-wrong-secret-wrong-secret');
    if (r < 0.75) return jwt(junk(30));
    if (r < 0.85) return b64(junk(10)) + '.' + b64(junk(20)) + (chance(0.5) ? '.' + b64(junk(5)) : '');
    return junk(20);
  };

  const body = (contentType: string): Uint8Array => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const r = rand();
    if (r < 0.05) return Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]); // invalid UTF-8
    if (r < 0.1) return new Uint8Array(0);
    if (contentType.startsWith('text/csv')) {
      const rows = Array.from({ length: int(5) }, () => [pick(values), String(int(100))].join(','));
      return enc(pick(['name,n', 'id,name', 'nope', '"a""b",n']) + '\n' + rows.join(pick(['\n', '\r\n'])) + (chance(0.2) ? '\n"open' : ''));
    }
    if (contentType.startsWith('application/x-www-form-urlencoded')) return enc('name=' + encodeURIComponent(junk(8)) + '&n=' + pick(values) + (chance(0.2) ? '&%zz' : ''));
    const value = (): unknown => pick([1, 'x', null, true, [1, 2], { a: 1 }, '\u0000', 1e308, -0, pick(values)]);
    const obj = (): Record<string, unknown> => Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['name', 'n', 'tags', 'doc', 'nope', 'id', '']), value()]));
    if (r < 0.6) return enc(JSON.stringify(chance(0.5) ? obj() : Array.from({ length: int(4) }, obj)));
    if (r < 0.7) return enc('['.repeat(int(3000)) + ']'.repeat(int(3000)));
    return enc(junk(40));
  };

  return () => {
    const method = pick(['GET', 'GET', 'GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS']);
    const write = method === 'POST' || method === 'PATCH' || method === 'PUT' || method === 'DELETE';
    const r = rand();
    let path: string;
    if (r < 0.75) path = '/' + (write ? pick(writable) : pick(tables));
    else if (r < 0.85) path = '/rpc/' + pick(['proto63_big', 'proto63_nope', '']) + (method === 'GET' && chance(0.5) ? '?n=' + pick(['3', 'x', '-1', '']) : '');
    else if (r < 0.9) path = pick(['/', '/rpc', '/a/b/c', '//', '/%zz', '/proto63_fuzz/1']);
    else path = '/' + encodeURIComponent(junk(10));
    const q = query();
    if (q !== '') path += (path.includes('?') ? '&' : '?') + q;
    const headers: Record<string, string> = {};
    if (chance(0.4)) headers['Authorization'] = 'Bearer ' + token();
    if (chance(0.3)) headers['Prefer'] = Array.from({ length: 1 + int(3) }, () => pick(['return=representation', 'return=minimal', 'return=headers-only', 'count=exact', 'count=planned', 'count=estimated', 'resolution=merge-duplicates', 'resolution=ignore-duplicates', 'missing=default', 'handling=strict', 'handling=lenient', 'tx=rollback', 'tx=commit', 'max-affected=1', 'timezone=UTC', 'params=single-object', junk(8)])).join(', ');
    if (chance(0.3)) headers['Accept'] = pick(['application/json', 'text/csv', 'application/vnd.pgrst.object+json', 'application/vnd.pgrst.object+json;nulls=stripped', 'application/vnd.pgrst.plan+json', 'application/geo+json', 'application/msgpack', '*/*', 'text/html', junk(10), 'application/json;q=0.x']);
    if (chance(0.1)) headers['Range'] = pick(['0-1', '1-0', 'items=0-', '-5', 'bytes=x', junk(6)]);
    if (chance(0.1)) headers[pick(['Accept-Profile', 'Content-Profile'])] = pick(['api', 'public', 'nope', '']);
    let payload: Uint8Array | undefined;
    if (method === 'POST' || method === 'PATCH' || method === 'PUT') {
      const contentType = pick(['application/json', 'application/json', 'text/csv', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', junk(8)]);
      headers['Content-Type'] = contentType;
      payload = body(contentType);
    }
    return payload === undefined ? { method, path, headers } : { method, path, headers, body: payload };
  };
}

describe('fuzz', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startTestGateway({ PGRST_DB_POOL: '4', PGRST_DB_AGGREGATES_ENABLED: 'true', PGRST_DB_PLAN_ENABLED: 'true' });
  });
  after(async () => {
    await gw.stop();
  });

  test(`${REQUESTS} grammar-aware requests (seed ${SEED}): no 5xx but 503/504, no crash, bounded RSS`, async () => {
    const next = generator(SEED);
    const all = Array.from({ length: REQUESTS }, next);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    let i = 0;
    const worker = async (): Promise<void> => {
      while (i < all.length) {
        const req = all[i++]!;
        let status: number;
        let text = '';
        try {
          const res = await fetch(`http://127.0.0.1:${gw.port}${req.path}`, { method: req.method, headers: req.headers, ...(req.body === undefined ? {} : { body: req.body }) });
          status = res.status;
          text = await res.text();
        } catch (e) {
          // Invalid header values are refused by fetch itself, before anything is sent.
          if (e instanceof TypeError && /header|Headers|ByteString/i.test(String(e.message) + String((e as { cause?: unknown }).cause ?? ''))) continue;
          status = -1;
          text = String(e);
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status < 0 || (status >= 500 && status !== 503 && status !== 504)) {
          failures.push(`${status} ${req.method} ${req.path.slice(0, 300)} ${JSON.stringify(req.headers).slice(0, 300)} → ${text.slice(0, 300)}`);
        }
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} bad answers; statuses ${JSON.stringify([...statuses])}`);
    if (process.env['FUZZ_VERBOSE'] !== undefined) console.log(JSON.stringify([...statuses].sort()), failures.slice(0, 20));
    // Still serving after all of it.
    const res = await fetch(`http://127.0.0.1:${gw.port}/proto63_fuzz?select=id&limit=1`);
    assert.equal(res.status, 200);
    // Enough variety to mean something: several distinct statuses, mostly answered.
    assert.ok(statuses.size >= 5, JSON.stringify([...statuses]));
    const growthMiB = (peak - rss0) / 1048576;
    assert.ok(growthMiB < RSS_GROWTH_LIMIT_MIB, `RSS grew ${growthMiB.toFixed(0)} MiB`);
  });
});
