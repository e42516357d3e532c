// Token → role and claims with jose (HS* tokens against jwt-secret first through jwt-hmac.ts's
// synchronous check). The signature check (the expensive part) is cached by
// token in a bounded LRU; the time and audience claims are re-checked on every request with
// PostgREST's 30 s skew. Failures are PostgREST's PGRST300/301/302/303 with WWW-Authenticate.

import { compactVerify, errors as joseErrors } from 'jose';
import type { ApiError } from '../planner/index.js';
import type { AppConfig } from './config.js';
import { HmacVerifier } from './jwt-hmac.js';
import { loadKeySet, type KeySet, type RemoteJwksTiming } from './jwt-keys.js';
import { parseRoleClaimKey, roleFromClaims, type PathStep } from './role-claim.js';

export interface AuthResult {
  readonly role: string;
  /** request.jwt.claims as JSON text. */
  readonly claims: string;
  readonly authenticated: boolean;
}

export type AuthOutcome =
  | { readonly ok: true; readonly auth: AuthResult }
  /** header: the WWW-Authenticate value, null when the failure is not a 401. */
  | { readonly ok: false; readonly error: ApiError; readonly header: string | null };

type Claims = Record<string, unknown>;

const ALLOWED_SKEW_SECONDS = 30;
/**
 * Claims nested deeper than this are refused (PGRST303) before JSON.parse: serializing them
 * for request.jwt.claims would overflow the stack, and no role claim path goes that deep.
 */
export const MAX_CLAIMS_DEPTH = 64;

/** Deepest `{`/`[` nesting of JSON text outside strings, stopping once past `limit`. One pass. */
export function jsonDepthOver(json: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
const utf8 = new TextDecoder();

function fail(code: string, message: string, details: string | null = null, status = 401): AuthOutcome {
  // PostgREST renders the description with Haskell's `show`, which JSON quoting matches for text.
  const header = status !== 401 ? null : code === 'PGRST302' ? 'Bearer' : `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`;
  return { ok: false, error: { status, code, message, details, hint: null }, header };
}

/** exp, nbf, iat (30 s skew) and aud, in PostgREST's order and with its messages. */
export function checkClaims(claims: Claims, nowSeconds: number, audience: string | null): AuthOutcome | null {
  const timeClaims: readonly (readonly [string, (t: number) => boolean, string])[] = [
    ['exp', (t) => nowSeconds <= t + ALLOWED_SKEW_SECONDS, 'JWT expired'],
    ['nbf', (t) => nowSeconds >= t - ALLOWED_SKEW_SECONDS, 'JWT not yet valid'],
    ['iat', (t) => nowSeconds >= t - ALLOWED_SKEW_SECONDS, 'JWT issued at future'],
  ];
  for (const [name, valid, message] of timeClaims) {
    const v = claims[name];
    if (v === undefined) continue;
    if (typeof v !== 'number') return fail('PGRST303', `The JWT '${name}' claim must be a number`);
    if (!valid(Math.floor(v))) return fail('PGRST303', message);
  }
  const aud = claims['aud'];
  if (aud === undefined || aud === null) return null;
  const list = Array.isArray(aud) ? aud : [aud];
  if (!list.every((a): a is string => typeof a === 'string')) {
    return fail('PGRST303', "The JWT 'aud' claim must be a string or an array of strings");
  }
  if (audience !== null && list.length > 0 && !list.includes(audience)) return fail('PGRST303', 'JWT not in audience');
  return null;
}

/** The token from `Authorization: Bearer …`, else from the configured cookie; null = none. */
export function extractToken(authorization: string | undefined, cookieToken: string | undefined): string | null {
  if (authorization !== undefined) {
    // As wai's extractBearerAuth: a non-Bearer scheme counts as no token at all.
    const m = /^(\S+)\s*([\s\S]*)$/.exec(authorization.trim());
    if (m !== null && m[1]!.toLowerCase() === 'bearer') return m[2]!.trim();
  }
  return cookieToken ?? null;
}

/** Maps a jose failure to PostgREST's PGRST301 message (and details where it gives some). */
function decodeFailure(e: unknown, token: string, remoteKeys: boolean): AuthOutcome {
  if (e instanceof joseErrors.JOSEAlgNotAllowed || e instanceof joseErrors.JOSENotSupported) {
    const none = /^\s*"?none"?\s*$/i.test(headerAlg(token) ?? '');
    return fail('PGRST301', 'Wrong or unsupported encoding algorithm', none ? "JWT is unsecured but expected 'alg' was not 'none'" : null);
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return fail('PGRST301', 'No suitable key or wrong key type', 'None of the keys was able to decode the JWT');
  }
  if (remoteKeys && !(e instanceof joseErrors.JWSInvalid)) {
    // jwt-jwks-uri unreachable or serving garbage: no key could be tried, and the reason helps.
    const why = e instanceof Error ? e.message : String(e);
    return fail('PGRST301', 'No suitable key or wrong key type', `Could not fetch the JWKS from jwt-jwks-uri: ${why}`);
  }
  return fail('PGRST301', 'JWT cryptographic operation failed');
}

function headerAlg(token: string): string | null {
  try {
    const h: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return typeof h === 'object' && h !== null && 'alg' in h ? String((h as { alg: unknown }).alg) : null;
  } catch {
    return null;
  }
}

interface Verified {
  readonly claims: Claims;
  /** The role (claim or anonymous fallback) and the claims JSON, fixed per token and config. */
  readonly role: string | null;
  readonly claimsJson: string;
}

/** One per config: a new secret means a new Authenticator, which flushes the cache with it. */
export class Authenticator {
  private readonly keys: KeySet;
  /** The synchronous HS* check in front of jose, with a jwt-secret. */
  private readonly hmac: HmacVerifier | null;
  private readonly roleClaim: readonly PathStep[];
  private readonly cache = new Map<string, Verified>();
  private readonly anonClaims: string;
  /** The outcome of every request without a token: fixed per config, so built once. */
  private readonly anon: AuthOutcome;

  constructor(private readonly config: AppConfig, timing: RemoteJwksTiming = { maxAgeMs: 300_000, cooldownMs: 1_000 }) {
    this.keys = loadKeySet(config, timing);
    this.hmac = this.keys.kind === 'hmac' ? new HmacVerifier(this.keys.secret, this.keys.algorithms) : null;
    this.roleClaim = parseRoleClaimKey(config.jwtRoleClaimKey);
    this.anonClaims = JSON.stringify({ role: config.dbAnonRole });
    const role = config.dbAnonRole;
    this.anon = role === null ? fail('PGRST302', 'Anonymous access is disabled') : { ok: true, auth: { role, claims: this.anonClaims, authenticated: false } };
  }

  /** What a request without a token is (synchronous: the hot path need not wait a tick). */
  anonymous(): AuthOutcome {
    return this.anon;
  }

  /** Fetches a jwt-jwks-uri key set now (at start and periodically); a no-op otherwise. */
  async refreshKeys(): Promise<void> {
    if (this.keys.kind === 'jwks' && this.keys.reload !== null) await this.keys.reload();
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  async authenticate(token: string | null, nowSeconds = Math.floor(Date.now() / 1000)): Promise<AuthOutcome> {
    if (token === null) return this.anon;
    if (token === '') return fail('PGRST301', 'Empty JWT is sent in Authorization header');
    if (this.keys.kind === 'none') return fail('PGRST300', 'Server lacks JWT secret', null, 500);
    const parts = token.split('.').length;
    if (parts !== 3) return fail('PGRST301', `Expected 3 parts in JWT; got ${parts}`);

    let verified = this.cache.get(token);
    if (verified !== undefined) {
      // LRU: re-insert so the most recently used token is evicted last.
      this.cache.delete(token);
      this.cache.set(token, verified);
    } else {
      const v = await this.verify(token);
      if (!('claims' in v)) return v;
      verified = v;
      const max = this.config.jwtCacheMaxEntries;
      if (max > 0) {
        if (this.cache.size >= max) this.cache.delete(this.cache.keys().next().value as string);
        this.cache.set(token, verified);
      }
    }
    const bad = checkClaims(verified.claims, nowSeconds, this.config.jwtAud);
    if (bad !== null) return bad;
    if (verified.role === null) return fail('PGRST302', 'Anonymous access is disabled');
    // As PostgREST, a token whose role is the anonymous one (no role claim) is refused as anonymous: 401, not 403.
    return { ok: true, auth: { role: verified.role, claims: verified.claimsJson, authenticated: verified.role !== this.config.dbAnonRole } };
  }

  private async verify(token: string): Promise<Verified | AuthOutcome> {
    let payload: Uint8Array;
    try {
      switch (this.keys.kind) {
        case 'hmac':
          payload = this.hmac?.payload(token) ?? (await compactVerify(token, this.keys.secret, { algorithms: [...this.keys.algorithms] })).payload;
          break;
        case 'jwks':
          payload = (await compactVerify(token, this.keys.getKey, { algorithms: [...this.keys.algorithms] })).payload;
          break;
        case 'none':
          return fail('PGRST300', 'Server lacks JWT secret', null, 500);
      }
    } catch (e) {
      return decodeFailure(e, token, this.keys.kind === 'jwks' && this.keys.reload !== null);
    }
    if (jsonDepthOver(payload, MAX_CLAIMS_DEPTH)) return fail('PGRST303', 'Parsing claims failed', `JWT claims nest deeper than ${MAX_CLAIMS_DEPTH} levels`);
    let claims: unknown;
    try {
      claims = JSON.parse(utf8.decode(payload));
    } catch {
      return fail('PGRST303', 'Parsing claims failed');
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return fail('PGRST303', 'Parsing claims failed');
    // As PostgREST, request.jwt.claims carries the role actually used, even when it came from
    // db-anon-role; serialized once here rather than on every request.
    const role = roleFromClaims(claims, this.roleClaim) ?? this.config.dbAnonRole;
    return { claims: claims as Claims, role, claimsJson: JSON.stringify(role === null ? claims : { ...claims, role }) };
  }
}
