// A free TCP port on loopback, for tests that start a cluster or server of their own; one
// implementation, shared with the embedded-cluster helper. And raw HTTP over node:net, for
// tests that must see the bytes on the wire (framing, smuggling, keep-alive, close).

import { connect, type Socket } from 'node:net';

export { freePort } from '../../gateway/embedded.js';

export interface RawReply {
  /** Everything received, as latin1 text (bytes preserved). */
  readonly data: string;
  /** Whether the server closed the connection within the wait. */
  readonly closed: boolean;
}

/** One parsed response out of a byte stream: status, lower-cased headers (repeats joined), body. */
export interface RawResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/**
 * Send `bytes` on a new connection to 127.0.0.1:port and collect what comes back until the
 * server closes, `until` says the data is complete, or `waitMs` passes.
 */
export function rawExchange(port: number, bytes: string | Buffer, opts: { waitMs?: number; until?: (data: string) => boolean } = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let settled = false;
    const settle = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data, closed });
    };
    const timer = setTimeout(() => settle(false), opts.waitMs ?? 2000);
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (opts.until?.(data) === true) settle(false);
    });
    socket.on('error', () => settle(true));
    socket.on('close', () => settle(true));
    socket.write(bytes);
  });
}

/** An open connection to write requests on one after another (keep-alive). */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Write `bytes` on an open socket and wait for one complete response (or the close); `head`: it answers a HEAD. */
export function exchangeOn(socket: Socket, bytes: string, head = false, waitMs = 5000): Promise<RawReply> {
  return new Promise((resolve) => {
    let data = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve({ data, closed });
    };
    const onData = (d: Buffer): void => {
      data += d.toString('latin1');
      if (parseResponses(data, [head]).complete) done(false);
    };
    const onClose = (): void => done(true);
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(bytes);
  });
}

/**
 * Split a byte stream into responses. `complete` is false when the last one is cut short.
 * `head` marks responses to HEAD requests (no body whatever Content-Length says), by position.
 */
export function parseResponses(data: string, head: readonly boolean[] = []): { responses: RawResponse[]; complete: boolean } {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) return { responses, complete: false };
    const lines = data.slice(at, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const k = line.slice(0, colon).trim().toLowerCase();
      const v = line.slice(colon + 1).trim();
      headers.set(k, headers.has(k) ? `${headers.get(k)!}, ${v}` : v);
    }
    const bodyless = head[responses.length] === true || status === 204 || status === 304;
    const length = bodyless ? 0 : Number(headers.get('content-length') ?? 0);
    if (end + 4 + length > data.length) return { responses, complete: false };
    responses.push({ status, headers, body: data.slice(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return { responses, complete: responses.length > 0 };
}
