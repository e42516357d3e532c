// Integration-test helpers for protocol/: connection settings for the run's test database
// (superuser, set up by test/run.ts), a hang guard, and small result decoders.

import { parseConnInfo, type ConnInfo, type QueryResult } from '../../protocol/index.js';
import { superuserUri } from './gateway.js';

export function testConnInfo(applicationName?: string): ConnInfo {
  const info = parseConnInfo(superuserUri(), {});
  return applicationName === undefined ? info : { ...info, applicationName };
}

/** Rejects if `p` has not settled within `ms`: detects hangs, asserts nothing about speed. */
export function noHang<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: ${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/** The first column of every row of one result, as text. */
export function column(result: QueryResult | undefined): (string | null)[] {
  if (result === undefined) throw new Error('missing result');
  return result.rows.map((r) => (r[0] === null || r[0] === undefined ? null : r[0].toString('utf8')));
}

/** Poll `check` until it returns true; throws after `ms` (a hang guard, not a speed assertion). */
export async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for: ${what}`);
}
