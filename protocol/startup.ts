// The startup handshake's client side as data in, bytes out: the StartupMessage for a
// ConnInfo, and a per-connection authenticator that answers each Authentication* message
// (cleartext, md5, SCRAM-SHA-256). No sockets: the connection writes what this returns.

import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { md5Password, scramContinue, scramFinish, scramStart, type ScramState } from './auth.js';
import type { ConnInfo } from './conninfo.js';
import { ClientError } from './errors.js';

/**
 * `dateStyle`: ISO output (dates are parsed as ISO downstream), ideally spelled as the server
 * reports it back ("ISO, MDY"): PgBouncer before 1.22 compares the startup value with the
 * server's report as text, and on a mismatch injects `SET DateStyle` at every server link
 * (pgbouncer#776), which can land in the middle of a pipelined batch (see pool.ts).
 */
export function startupMessage(info: ConnInfo, dateStyle = 'ISO'): Buffer {
  return serialize.startup({
    user: info.user,
    database: info.database,
    application_name: info.applicationName,
    // pg-protocol itself appends client_encoding=UTF8.
    DateStyle: dateStyle,
  });
}

/**
 * Answers Authentication* messages: the bytes to send, null when nothing is to be sent, or
 * undefined when `msg` is not an authentication message at all (the caller handles it).
 */
export type Authenticator = (msg: BackendMessage) => Buffer | null | undefined;

export function authenticator(info: ConnInfo): Authenticator {
  let scram: ScramState | null = null;
  const password = (): string => {
    if (info.password === null) throw new ClientError('AUTH_FAILED', 'the server asked for a password but none was configured');
    return info.password;
  };
  return (msg) => {
    switch (msg.name) {
      case 'authenticationCleartextPassword':
        return serialize.password(password());
      case 'authenticationMD5Password':
        return serialize.password(md5Password(info.user, password(), (msg as unknown as { salt: Buffer }).salt));
      case 'authenticationSASL': {
        const mechanisms = (msg as unknown as { mechanisms: string[] }).mechanisms;
        if (!mechanisms.includes('SCRAM-SHA-256')) throw new ClientError('AUTH_FAILED', `unsupported SASL mechanisms: ${mechanisms.join(', ')}`);
        const start = scramStart(password());
        scram = start.state;
        return serialize.sendSASLInitialResponseMessage(start.mechanism, start.clientFirstMessage);
      }
      case 'authenticationSASLContinue':
        if (scram === null) throw new ClientError('PROTOCOL_VIOLATION', 'SASL continue before start');
        return serialize.sendSCRAMClientFinalMessage(scramContinue(scram, (msg as unknown as { data: string }).data));
      case 'authenticationSASLFinal':
        if (scram === null) throw new ClientError('PROTOCOL_VIOLATION', 'SASL final before start');
        // Throws when the server's signature does not match: a server that cannot prove it knows the password.
        scramFinish(scram, (msg as unknown as { data: string }).data);
        return null;
      case 'authenticationOk':
        return null;
      default:
        return undefined;
    }
  };
}
