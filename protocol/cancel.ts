// CancelRequest: a fresh socket to the same server carrying the BackendKeyData of the
// connection whose running query should stop. The server answers nothing and closes; the
// cancelled batch then fails with 57014 on its own connection.

import { connect as netConnect } from 'node:net';
import { serialize } from 'pg-protocol';
import type { ConnInfo } from './conninfo.js';

/** Resolves once the request is written and the server closed the socket (never rejects). */
export function sendCancel(info: ConnInfo, processId: number, secretKey: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = info.host.startsWith('/')
      ? netConnect({ path: `${info.host}/.s.PGSQL.${info.port}` })
      : netConnect({ host: info.host, port: info.port });
    // Cancellation is best effort: a failure here changes nothing for the caller.
    const done = (): void => {
      socket.destroy();
      resolve();
    };
    socket.once('connect', () => socket.end(serialize.cancel(processId, secretKey)));
    socket.once('error', done);
    socket.once('close', done);
    socket.setTimeout(5000, done);
  });
}
