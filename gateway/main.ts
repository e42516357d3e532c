#!/usr/bin/env node
// Process entry: `pgrest-gateway [CONFIG]`. Reads the config file and PGRST_* environment,
// starts the gateway and stops it cleanly on SIGINT/SIGTERM.

import { startGateway } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  const file = process.argv[2] ?? null;
  const config = loadConfig({ file, env: process.env });
  const allowSlowHttp = /^(1|true|yes|on)$/i.test(process.env['PGRST_SERVER_ALLOW_SLOW_HTTP'] ?? '');
  const gateway = await startGateway(config, { allowSlowHttp });
  const shutdown = (): void => {
    gateway.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? 'Configuration error' : 'Fatal'}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
