// `make test`: unit tests, then one PostgreSQL for the whole run (embedded, or the server in
// PGRST_TEST_DB_URI), a fresh database loaded from test/fixtures/*.sql, and the integration
// tests against it. Exits with the test runner's status.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { EmbeddedError, freePort, startEmbedded, type EmbeddedCluster } from '../gateway/embedded.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const TEST_DB = 'pgrest_test';

function listTests(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.js')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

async function withClient(uri: string, fn: (c: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

async function prepareDatabase(superuserUri: string): Promise<string> {
  await withClient(superuserUri, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${TEST_DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${TEST_DB}`);
  });
  const url = new URL(superuserUri);
  url.pathname = '/' + TEST_DB;
  const testUri = url.toString();
  const fixtures = readdirSync(join(root, 'test', 'fixtures')).filter((f) => f.endsWith('.sql')).sort();
  await withClient(testUri, async (c) => {
    for (const f of fixtures) await c.query(readFileSync(join(root, 'test', 'fixtures', f), 'utf8'));
  });
  return testUri;
}

function runNodeTest(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    // No --test-force-exit: a test file must end by itself once its tests are done, so a handle
    // the gateway leaks (a timer, a socket, a worker) shows up as a hung file instead of hiding.
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
      stdio: 'inherit',
      env,
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const only = process.argv[2];
  // An optional third argument (or TEST_FILTER) keeps only the test files whose path contains it.
  const match = process.argv[3] ?? process.env['TEST_FILTER'] ?? '';
  const unit = listTests(join(here, 'unit')).filter((f) => f.includes(match));
  const integration = listTests(join(here, 'integration')).filter((f) => f.includes(match));
  if (only !== 'integration') {
    const code = await runNodeTest(unit, process.env);
    if (code !== 0 || only === 'unit') return code;
  }
  let cluster: EmbeddedCluster | null = null;
  let dataDir: string | null = null;
  let superuserUri = process.env['PGRST_TEST_DB_URI'];
  try {
    if (superuserUri === undefined || superuserUri === '') {
      dataDir = mkdtempSync(join(tmpdir(), 'pgrest-gateway-test-'));
      rmSync(dataDir, { recursive: true });
      cluster = await startEmbedded({ dataDir, port: await freePort() });
      superuserUri = cluster.superuserUri;
    }
    const testUri = await prepareDatabase(superuserUri);
    return await runNodeTest(integration, { ...process.env, PGRST_TEST_SUPERUSER_URI: testUri });
  } finally {
    await cluster?.stop();
    if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // A known start failure is one sentence saying what to do; anything else keeps its stack.
    const text = err instanceof EmbeddedError ? err.message : err instanceof Error ? err.stack ?? err.message : String(err);
    process.stderr.write(`test harness failed: ${text}\n`);
    process.exit(1);
  },
);
