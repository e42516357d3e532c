// JWT key material, resolved once per config: an HMAC secret (≥ 32 chars, optionally base64),
// a JWK or JWKS given inline or as `@file`, or a remote JWKS (jwt-jwks-uri) that jose refetches
// periodically and on an unknown `kid`. A bad secret is a ConfigError so the gateway won't start.

import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type CompactVerifyGetKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { ConfigError, type AppConfig } from './config.js';
import { isRecord } from '../planner/index.js';

export const HMAC_ALGS: readonly string[] = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC_ALGS: readonly string[] = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
];

/** Where verification keys come from; `none` means a token can only get PGRST300. */
export type KeySet =
  | { readonly kind: 'none' }
  | { readonly kind: 'hmac'; readonly secret: Uint8Array; readonly algorithms: readonly string[] }
  | {
      readonly kind: 'jwks';
      readonly getKey: CompactVerifyGetKey;
      readonly algorithms: readonly string[];
      /** Refetches a remote JWKS; null for key sets given in the config. */
      readonly reload: (() => Promise<void>) | null;
    };

/** How long a fetched JWKS is trusted, and the minimum gap between refetches on unknown kids. */
export interface RemoteJwksTiming {
  readonly maxAgeMs: number;
  readonly cooldownMs: number;
}

const MIN_SECRET_LENGTH = 32;

/** The secret text: `@path` reads the file (trailing newline dropped, as editors add one). */
function secretText(raw: string): string {
  if (!raw.startsWith('@')) return raw;
  const file = raw.slice(1);
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError(`cannot read jwt-secret file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** A JWK or a JWKS as JSON → a JWKS, or null when the text is not JSON key material. */
function asJwks(text: string): JSONWebKeySet | null {
  const t = text.trim();
  if (!t.startsWith('{')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  if (Array.isArray(parsed['keys'])) {
    const keys = parsed['keys'].filter(isRecord);
    if (keys.length === 0) throw new ConfigError('jwt-secret is a JWKS without any keys');
    return { keys: keys as unknown as JWK[] };
  }
  if (typeof parsed['kty'] === 'string') return { keys: [parsed as unknown as JWK] };
  return null;
}

function algorithmsFor(jwks: JSONWebKeySet): readonly string[] {
  // oct keys in a JWKS are HMAC keys; allowing HS* only then keeps alg confusion out.
  const hasOct = jwks.keys.some((k) => k.kty === 'oct');
  return hasOct ? [...ASYMMETRIC_ALGS, ...HMAC_ALGS] : ASYMMETRIC_ALGS;
}

export function loadKeySet(config: AppConfig, timing: RemoteJwksTiming): KeySet {
  if (config.jwtJwksUri !== null) {
    let url: URL;
    try {
      url = new URL(config.jwtJwksUri);
    } catch {
      throw new ConfigError(`jwt-jwks-uri is not a valid URL: ${JSON.stringify(config.jwtJwksUri)}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ConfigError(`jwt-jwks-uri must be http(s), got ${url.protocol}`);
    }
    const remote = createRemoteJWKSet(url, { cacheMaxAge: timing.maxAgeMs, cooldownDuration: timing.cooldownMs });
    return { kind: 'jwks', getKey: remote, algorithms: [...ASYMMETRIC_ALGS, ...HMAC_ALGS], reload: () => remote.reload() };
  }
  if (config.jwtSecret === null) return { kind: 'none' };
  const text = secretText(config.jwtSecret);
  const jwks = asJwks(text);
  if (jwks !== null) return { kind: 'jwks', getKey: createLocalJWKSet(jwks), algorithms: algorithmsFor(jwks), reload: null };
  if (text.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`jwt-secret must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  const secret = config.jwtSecretIsBase64 ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  if (secret.length === 0) throw new ConfigError('jwt-secret is not valid base64');
  return { kind: 'hmac', secret, algorithms: HMAC_ALGS };
}
