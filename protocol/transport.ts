// Opens the byte stream under a connection: TCP or a Unix socket, then, per sslmode, an
// SSLRequest whose one-byte answer ('S' or 'N') decides between TLS (node:tls) and plain
// text. Also sends CancelRequest over a fresh stream of the same kind, so a hostssl-only
// server accepts it too. Knows nothing of other messages.

import { connect as netConnect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import { serialize } from 'pg-protocol';
import type { ConnInfo } from './conninfo.js';
import { ClientError } from './errors.js';

// Int32 length 8, then the magic request code 80877103 (1234 << 16 | 5679).
export const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

function rawConnect(info: ConnInfo): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = info.host.startsWith('/')
      ? netConnect({ path: `${info.host}/.s.PGSQL.${info.port}` })
      : netConnect({ host: info.host, port: info.port });
    socket.once('connect', () => {
      socket.removeListener('error', onError);
      resolve(socket);
    });
    const onError = (err: Error): void => {
      socket.destroy();
      reject(new ClientError('CONNECT_FAILED', `could not connect to ${info.host}:${info.port}: ${err.message}`));
    };
    socket.once('error', onError);
  });
}

/** The server's answer to SSLRequest: exactly one byte, before any other traffic. */
function askForTls(socket: Socket): Promise<'S' | 'N'> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      cleanup();
      const answer = String.fromCharCode(chunk[0] ?? 0);
      // Anything after the answer byte would be unencrypted injected data (CVE-2021-23222).
      if (chunk.length !== 1 || (answer !== 'S' && answer !== 'N')) {
        reject(new ClientError('PROTOCOL_VIOLATION', 'unexpected answer to SSLRequest'));
      } else resolve(answer);
    };
    const onEnd = (): void => {
      cleanup();
      reject(new ClientError('CONNECT_FAILED', 'server closed the connection during SSL negotiation'));
    };
    const cleanup = (): void => {
      socket.removeListener('data', onData);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', onEnd);
    };
    socket.on('data', onData);
    socket.once('close', onEnd);
    socket.once('error', onEnd);
    socket.write(SSL_REQUEST);
  });
}

function tlsOptions(info: ConnInfo, socket: Socket): TlsOptions {
  const verify = info.sslmode === 'verify-full' || info.sslmode === 'verify-ca';
  const options: TlsOptions = { socket, rejectUnauthorized: verify, servername: info.host };
  if (info.sslrootcert !== null) options.ca = readFileSync(info.sslrootcert);
  // verify-ca checks the chain only, not that the certificate names this host.
  if (info.sslmode === 'verify-ca') options.checkServerIdentity = () => undefined;
  return options;
}

/** A connected stream, encrypted when sslmode and the server's answer say so. */
export async function openTransport(info: ConnInfo): Promise<Socket> {
  const socket = await rawConnect(info);
  socket.setNoDelay(true);
  // libpq never asks for TLS over a Unix socket.
  if (info.sslmode === 'disable' || info.sslmode === 'allow' || info.host.startsWith('/')) return socket;
  let answer: 'S' | 'N';
  try {
    answer = await askForTls(socket);
  } catch (err) {
    socket.destroy();
    throw err;
  }
  if (answer === 'N') {
    if (info.sslmode === 'prefer') return socket;
    socket.destroy();
    throw new ClientError('CONNECT_FAILED', `server does not support SSL, but sslmode=${info.sslmode} requires it`);
  }
  return new Promise((resolve, reject) => {
    const tls = tlsConnect(tlsOptions(info, socket));
    tls.once('secureConnect', () => {
      tls.removeListener('error', onError);
      resolve(tls);
    });
    const onError = (err: Error): void => {
      tls.destroy();
      reject(new ClientError('CONNECT_FAILED', `TLS negotiation with ${info.host}:${info.port} failed: ${err.message}`));
    };
    tls.once('error', onError);
  });
}

/**
 * CancelRequest with the BackendKeyData of the connection whose running query should stop.
 * The server answers nothing and closes; the batch then fails with 57014 on its own
 * connection. Resolves once the request is written and the socket closed (never rejects).
 */
export async function sendCancel(info: ConnInfo, processId: number, secretKey: number): Promise<void> {
  // Cancellation is best effort: a failure here changes nothing for the caller.
  const socket = await openTransport(info).catch(() => null);
  if (socket === null) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      socket.destroy();
      resolve();
    };
    socket.once('error', done);
    socket.once('close', done);
    socket.setTimeout(5000, done);
    socket.end(serialize.cancel(processId, secretKey));
  });
}
