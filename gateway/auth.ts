// JWT → role and claims with jose (HS256/384/512 against jwt-secret for now). No token →
// the anonymous role. Failures are PostgREST's PGRST301/302/303 with WWW-Authenticate.

import { errors as joseErrors, jwtVerify } from 'jose';
import type { ApiError } from '../planner/index.js';
import type { AppConfig } from './config.js';

export interface AuthResult {
  readonly role: string;
  readonly claims: string;
  readonly authenticated: boolean;
}

export type AuthOutcome = { readonly ok: true; readonly auth: AuthResult } | { readonly ok: false; readonly error: ApiError; readonly header: string };

const fail = (code: string, message: string, status = 401): AuthOutcome => ({
  ok: false,
  error: { status, code, message, details: null, hint: null },
  header: code === 'PGRST302' ? 'Bearer' : `Bearer error="invalid_token", error_description="${message.replace(/"/g, "'")}"`,
});

function claimAt(claims: Record<string, unknown>, key: string): unknown {
  // The legacy `.a.b` form and the `$.a.b` JSONPath form share this simple dotted walk.
  const path = key.replace(/^\$/, '').split('.').filter((p) => p !== '');
  let cur: unknown = claims;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export async function authenticate(authorization: string | undefined, config: AppConfig): Promise<AuthOutcome> {
  if (authorization === undefined || authorization === '') {
    if (config.dbAnonRole === null) return fail('PGRST302', 'Anonymous access is disabled');
    return { ok: true, auth: { role: config.dbAnonRole, claims: '{}', authenticated: false } };
  }
  const m = /^bearer\s+(.*)$/i.exec(authorization.trim());
  if (m === null) return fail('PGRST301', 'No suitable key or wrong key type');
  const token = m[1]!.trim();
  if (token === '') return fail('PGRST301', 'Empty JWT is sent in Authorization header');
  if (config.jwtSecret === null) return fail('PGRST300', 'Server lacks JWT secret', 500);
  const secret = config.jwtSecretIsBase64 ? Buffer.from(config.jwtSecret, 'base64') : Buffer.from(config.jwtSecret, 'utf8');
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256', 'HS384', 'HS512'],
      clockTolerance: 30,
      ...(config.jwtAud === null ? {} : { audience: config.jwtAud }),
    });
    const role = claimAt(payload as Record<string, unknown>, config.jwtRoleClaimKey);
    const roleName = typeof role === 'string' && role !== '' ? role : config.dbAnonRole;
    if (roleName === null) return fail('PGRST302', 'Anonymous access is disabled');
    return { ok: true, auth: { role: roleName, claims: JSON.stringify(payload), authenticated: true } };
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) return fail('PGRST303', 'JWT expired');
    if (e instanceof joseErrors.JWTClaimValidationFailed) return fail('PGRST303', 'JWT claims validation failed');
    return fail('PGRST301', token.split('.').length !== 3 ? 'Expected 3 parts in JWT; got ' + token.split('.').length : 'JWSError JWSInvalidSignature');
  }
}
