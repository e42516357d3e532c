// One HTTP GET on a connection of its own (no keep-alive), over TCP or a unix socket: for tests
// whose connection must not outlive the server they stop, or must be spread by the kernel.

import { request as httpRequest, type RequestOptions } from 'node:http';

export function getOnce(options: RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ method: 'GET', ...options, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
