// CancelRequest: a fresh socket to the same server carrying the BackendKeyData of the
// connection whose running query should stop. The server answers nothing and closes; the
// cancelled batch then fails with 57014 on its own connection. Same transport (TLS per
// sslmode) as the connection, so a hostssl-only server accepts it too.

import { serialize } from 'pg-protocol';
import type { ConnInfo } from './conninfo.js';
import { openTransport } from './transport.js';

/** Resolves once the request is written and the server closed the socket (never rejects). */
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
