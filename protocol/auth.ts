// Pure PostgreSQL password-authentication steps: md5 and SCRAM-SHA-256
// (RFC 5802 / RFC 7677, no channel binding) computed over bytes and strings.
// No sockets, no I/O: callers move the messages; this module only does the math.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';

/** 'md5' + md5hex(md5hex(password + user) + salt), as sent in a PasswordMessage. */
export function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password, 'utf8').update(user, 'utf8').digest('hex');
  const outer = createHash('md5').update(inner, 'utf8').update(salt).digest('hex');
  return 'md5' + outer;
}

export interface ScramState {
  readonly clientNonce: string;
  readonly clientFirstBare: string;
  readonly password: string;
  serverSignature?: Buffer;
}

const GS2_HEADER = 'n,,';
/** base64('n,,') — the c= attribute when channel binding is not used. */
const CHANNEL_BINDING = Buffer.from(GS2_HEADER, 'utf8').toString('base64');

/** Begin a SCRAM-SHA-256 exchange. The user name is '*' (PostgreSQL ignores it). */
export function scramStart(
  password: string,
  nonce?: string,
): { state: ScramState; mechanism: 'SCRAM-SHA-256'; clientFirstMessage: string } {
  const clientNonce = nonce ?? randomBytes(18).toString('base64');
  if (clientNonce.length === 0 || clientNonce.includes(',')) {
    throw new Error('SCRAM client nonce must be non-empty and contain no commas');
  }
  const clientFirstBare = 'n=*,r=' + clientNonce;
  return {
    state: { clientNonce, clientFirstBare, password },
    mechanism: 'SCRAM-SHA-256',
    clientFirstMessage: GS2_HEADER + clientFirstBare,
  };
}

/** Split 'k=v,k=v' into a map keyed by the single-letter attribute name (first occurrence wins). */
function parseAttributes(message: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq);
    if (!attrs.has(key)) attrs.set(key, part.slice(eq + 1));
  }
  return attrs;
}

function hmac(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Process server-first-message; returns client-final-message and records the expected ServerSignature. */
export function scramContinue(state: ScramState, serverFirstMessage: string): string {
  const attrs = parseAttributes(serverFirstMessage);
  const serverNonce = attrs.get('r');
  const saltB64 = attrs.get('s');
  const iterText = attrs.get('i');
  if (serverNonce === undefined || saltB64 === undefined || iterText === undefined) {
    throw new Error('SCRAM server-first-message is missing r=, s= or i=');
  }
  if (!serverNonce.startsWith(state.clientNonce) || serverNonce.length <= state.clientNonce.length) {
    throw new Error('SCRAM server nonce does not extend the client nonce');
  }
  if (!/^[1-9][0-9]*$/.test(iterText)) {
    throw new Error(`SCRAM iteration count is invalid: ${iterText}`);
  }
  const iterations = Number(iterText);
  if (!Number.isSafeInteger(iterations)) {
    throw new Error(`SCRAM iteration count is invalid: ${iterText}`);
  }
  const salt = Buffer.from(saltB64, 'base64');
  if (salt.length === 0) {
    throw new Error('SCRAM salt is empty');
  }

  const saltedPassword = pbkdf2Sync(Buffer.from(state.password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = hmac(saltedPassword, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const clientFinalWithoutProof = `c=${CHANNEL_BINDING},r=${serverNonce}`;
  const authMessage = `${state.clientFirstBare},${serverFirstMessage},${clientFinalWithoutProof}`;
  const clientSignature = hmac(storedKey, authMessage);
  const clientProof = Buffer.alloc(clientKey.length);
  for (let i = 0; i < clientKey.length; i++) {
    clientProof[i] = (clientKey[i] ?? 0) ^ (clientSignature[i] ?? 0);
  }
  const serverKey = hmac(saltedPassword, 'Server Key');
  state.serverSignature = hmac(serverKey, authMessage);
  return `${clientFinalWithoutProof},p=${clientProof.toString('base64')}`;
}

/** Verify server-final-message; throws on a server error (e=) or a signature mismatch. */
export function scramFinish(state: ScramState, serverFinalMessage: string): void {
  const attrs = parseAttributes(serverFinalMessage);
  const error = attrs.get('e');
  if (error !== undefined) {
    throw new Error(`SCRAM authentication failed: ${error}`);
  }
  const verifier = attrs.get('v');
  if (verifier === undefined) {
    throw new Error('SCRAM server-final-message is missing v=');
  }
  const expected = state.serverSignature;
  if (expected === undefined) {
    throw new Error('SCRAM server-final-message received before scramContinue');
  }
  const actual = Buffer.from(verifier, 'base64');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new Error('SCRAM server signature mismatch');
  }
}
