// Unit tests for gateway/jwt-hmac.ts against jose itself: every token the synchronous check
// accepts, jose accepts with the same payload (valid tokens of each HS alg, then every one-
// character change of a token and hand-made edge cases); what jose must decide comes back null.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactSign, SignJWT, compactVerify } from 'jose';
import { HmacVerifier } from '../../../gateway/jwt-hmac.js';

const SECRET = new TextEncoder().encode('reallyreallyreallyreallyverysafe');
const ALL = ['HS256', 'HS384', 'HS512'];

async function joseSays(token: string, algorithms = ALL): Promise<Uint8Array | null> {
  try {
    return (await compactVerify(token, SECRET, { algorithms })).payload;
  } catch {
    return null;
  }
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
async function signed(header: object, payload: string, secret = SECRET): Promise<string> {
  return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader(header as { alg: string }).sign(secret);
}

test('valid HS256/384/512 tokens: the payload jose returns', async () => {
  const v = new HmacVerifier(SECRET, ALL);
  for (const alg of ALL) {
    const token = await new SignJWT({ role: 'web_user', name: 'Zoë ✓', n: [1, { a: null }] }).setProtectedHeader({ alg, typ: 'JWT', kid: 'k' }).sign(SECRET);
    const fast = v.payload(token);
    assert.ok(fast !== null, alg);
    assert.deepEqual(Buffer.from(fast), Buffer.from((await joseSays(token))!), alg);
  }
});

test('every one-character change of a token: accepted only where jose accepts, with its payload', async () => {
  const v = new HmacVerifier(SECRET, ALL);
  const token = await new SignJWT({ role: 'web_user', sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(SECRET);
  const swaps = ['A', '_', '-', '.', '=', ' ', '+', '/', 'é'];
  let checked = 0;
  for (let i = 0; i < token.length; i++) {
    for (const c of swaps) {
      const changed = token.slice(0, i) + c + token.slice(i + 1);
      if (changed === token) continue;
      const fast = v.payload(changed);
      if (fast === null) continue;
      const jose = await joseSays(changed);
      assert.ok(jose !== null, `jose refuses ${changed}`);
      assert.deepEqual(Buffer.from(fast), Buffer.from(jose));
      checked++;
    }
  }
  // Only changes of the last signature character's unused bits keep a token valid.
  assert.ok(checked < 10, `${checked} changed tokens accepted`);
});

test('what jose must decide is null: other algs, crit, bad signatures, decoder leniency, malformed parts', async () => {
  const v = new HmacVerifier(SECRET, ALL);
  const good = await signed({ alg: 'HS256' }, '{"role":"web_user"}');
  const [h, p, s] = good.split('.') as [string, string, string];
  const otherSecret = await signed({ alg: 'HS256' }, '{"role":"web_user"}', new TextEncoder().encode('another-secret-another-secret-xx'));
  const cases: Record<string, string> = {
    'wrong secret': otherSecret,
    'alg none': `${b64('{"alg":"none"}')}.${p}.`,
    'alg RS256 header on an HS signature': `${b64('{"alg":"RS256"}')}.${p}.${s}`,
    crit: await signed({ alg: 'HS256', crit: ['b64'], b64: true }, '{"role":"web_user"}'),
    'header an array': `${b64('["HS256"]')}.${p}.${s}`,
    'header not JSON': `${b64('{alg:HS256}')}.${p}.${s}`,
    'header not UTF-8': `${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${p}.${s}`,
    'padded signature': `${h}.${p}.${s}=`,
    'space in the payload part': `${h}.${p.slice(0, 4)} ${p.slice(4)}.${s}`,
    'two parts': `${h}.${p}`,
    'four parts': `${h}.${p}.${s}.${s}`,
    'empty header': `.${p}.${s}`,
    'truncated signature': `${h}.${p}.${s.slice(0, -2)}`,
    'length 4n+1 payload part': `${h}.${p}A.${s}`,
  };
  for (const [name, token] of Object.entries(cases)) assert.equal(v.payload(token), null, name);
  // The valid one is accepted (so the cases above are refused for their change, not the base).
  assert.ok(v.payload(good) !== null);
});

test('only the configured algorithms', async () => {
  const token = await signed({ alg: 'HS512' }, '{"role":"web_user"}');
  assert.equal(new HmacVerifier(SECRET, ['HS256']).payload(token), null);
  assert.ok(new HmacVerifier(SECRET, ['HS512']).payload(token) !== null);
  // Asymmetric names in the list are not HMAC: they never pass here.
  assert.equal(new HmacVerifier(SECRET, ['RS256']).payload(token), null);
});
