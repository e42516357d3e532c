// `make run`: an embedded PostgreSQL with the quick tour's demo schema, and the gateway on
// port 3000. A config file argument and PGRST_* variables override the demo settings.
// Ctrl-C stops the gateway, then PostgreSQL.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from './app.js';
import { loadConfig } from './config.js';
import { roleExists, startEmbedded } from './embedded.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const port = Number(process.env['PGRST_EMBEDDED_PORT'] ?? '54329');
  const dataDir = process.env['PGRST_EMBEDDED_DATA_DIR'];
  process.stderr.write(`Starting embedded PostgreSQL on port ${port}…\n`);
  const cluster = await startEmbedded({ port, ...(dataDir === undefined ? {} : { dataDir }) });
  process.stderr.write(`PostgreSQL data directory: ${cluster.dataDir}\n`);
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  let stopping = false;
  const stopAll = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await gateway?.stop().catch(() => undefined);
    await cluster.stop().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  if (!(await roleExists(cluster.superuserUri, 'authenticator'))) {
    await cluster.exec(readFileSync(join(root, 'test', 'fixtures', '00_demo.sql'), 'utf8'));
    process.stderr.write('Created the demo schema (api.todos).\n');
  }
  const config = loadConfig({
    file: process.argv[2] ?? null,
    env: {
      PGRST_DB_URI: `postgresql://authenticator:pw@127.0.0.1:${port}/postgres`,
      PGRST_DB_SCHEMAS: 'api',
      PGRST_DB_ANON_ROLE: 'web_anon',
      PGRST_SERVER_PORT: '3000',
      PGRST_JWT_SECRET: 'reallyreallyreallyreallyverysafe',
      PGRST_OPENAPI_UI_PATH: '/docs',
      ...process.env,
    },
  });
  gateway = await startGateway(config);
  // Printed once the API answers (startGateway waits for the first schema load).
  const base = `http://localhost:${gateway.port}`;
  const explorer = config.openapiUiPath === null ? '' : `API explorer: ${base}${config.openapiUiPath}/\n`;
  process.stderr.write(`\nAPI ready: ${base}/todos\n${explorer}Try: curl '${base}/todos?done=is.false&order=id.asc'\n(Ctrl-C stops)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`Fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
