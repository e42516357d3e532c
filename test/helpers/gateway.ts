// Integration-test helpers: start a gateway on a free port against the run's test database
// (set up by test/run.ts), and a small fetch wrapper that returns status, headers and body.

import { startGateway, type Gateway, type StartOptions } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config.js';
import pg from 'pg';
import { after, before } from 'node:test';

export function superuserUri(): string {
  const uri = process.env['PGRST_TEST_SUPERUSER_URI'];
  if (uri === undefined) throw new Error('PGRST_TEST_SUPERUSER_URI is not set: run integration tests through `make test`');
  return uri;
}

/** The same database, logged in as the authenticator role of the fixtures. */
export function authenticatorUri(): string {
  const url = new URL(superuserUri());
  url.username = 'authenticator';
  url.password = 'pw';
  return url.toString();
}

export const JWT_SECRET = 'reallyreallyreallyreallyverysafe';

export async function startTestGateway(env: Record<string, string> = {}, options: StartOptions = {}): Promise<Gateway> {
  const config = loadConfig({
    env: {
      PGRST_DB_URI: authenticatorUri(),
      PGRST_DB_SCHEMAS: 'api',
      PGRST_DB_ANON_ROLE: 'web_anon',
      PGRST_SERVER_HOST: '127.0.0.1',
      PGRST_SERVER_PORT: '0',
      PGRST_DB_POOL: '4',
      PGRST_JWT_SECRET: JWT_SECRET,
      ...env,
    },
  });
  return startGateway(config, { log: () => undefined, accessLog: () => undefined, ...options });
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json(): unknown;
}

export async function request(
  gw: Gateway,
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${gw.port}${path}`, {
    method,
    headers: opts.headers ?? {},
    ...(opts.body === undefined ? {} : { body: opts.body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

/** Run SQL as the superuser (to inspect state behind the API's back). */
export async function sqlQuery<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: superuserUri() });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** A gateway started before the enclosing suite's tests and stopped after them. */
export function suiteGateway(env: Record<string, string> = {}): () => Gateway {
  let gw: Gateway | null = null;
  before(async () => {
    gw = await startTestGateway(env);
  });
  after(async () => {
    await gw?.stop();
  });
  return () => {
    if (gw === null) throw new Error('suiteGateway: the gateway is not started yet');
    return gw;
  };
}
