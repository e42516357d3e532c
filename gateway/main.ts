#!/usr/bin/env node
// Process entry: `pgrest-gateway [options] [CONFIG]`. Reads the config file, PGRST_*
// environment and (db-config) the database's pgrst.* settings, runs the chosen CLI command or
// serves, and shuts down gracefully on SIGINT/SIGTERM.

import { request as httpRequest } from 'node:http';
import { parseConnInfo, Pool } from '../protocol/index.js';
import { schemaCacheToJson } from '../planner/index.js';
import { startProcessGateway, workerCount } from './workers.js';
import { dumpConfig, EXAMPLE_CONFIG, parseArgs, readyUrl, USAGE } from './cli.js';
import { databaseTypes } from './dump-types.js';
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { loadDbSettings } from './db-config.js';
import { loadSchemaCache } from './schema-loader.js';
import { version } from './version.js';

const warn = (message: string): void => {
  process.stderr.write(`WARNING: ${message}\n`);
};

/** file + environment, overridden by the database's settings when given. */
const configFrom = (file: string | null) => (db?: ReadonlyMap<string, string>): AppConfig =>
  loadConfig({ file, env: process.env, warn, ...(db === undefined ? {} : { db }) });

/** The config --dump-config shows: with db-config it connects, as PostgREST does. */
async function effectiveConfig(file: string | null): Promise<AppConfig> {
  const base = configFrom(file)();
  if (!base.dbConfig) return base;
  const pool = new Pool(parseConnInfo(base.dbUri, process.env), {
    size: 1, pipelineDepth: 1, acquisitionTimeoutMs: base.dbPoolAcquisitionTimeout * 1000, statementCacheSize: 10, preparedStatements: false,
  });
  try {
    return configFrom(file)(await loadDbSettings(pool, base.dbPreConfig));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    warn(`could not read the in-database config: ${err instanceof Error ? err.message : String(err)}`);
    return base;
  } finally {
    await pool.end();
  }
}

/** --ready against admin-server-unix-socket (fetch cannot speak over a unix socket). */
function readyOverSocket(socketPath: string): Promise<number> {
  const where = `unix:${socketPath}:/ready`;
  return new Promise((resolve) => {
    const req = httpRequest({ socketPath, path: '/ready', method: 'GET', agent: false }, (res) => {
      res.resume();
      if (res.statusCode === 200) process.stdout.write(`OK: ${where}\n`);
      else process.stderr.write(`ERROR: ${where} answered ${res.statusCode ?? 0}\n`);
      resolve(res.statusCode === 200 ? 0 : 1);
    });
    req.on('error', (e) => {
      process.stderr.write(`ERROR: ${where}: ${e.message}\n`);
      resolve(1);
    });
    req.end();
  });
}

async function main(): Promise<number> {
  const command = parseArgs(process.argv.slice(2));
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`pgrest-gateway ${version()}\n`);
      return 0;
    case 'example':
      process.stdout.write(EXAMPLE_CONFIG);
      return 0;
    case 'error':
      process.stderr.write(`${command.message}\n\n${USAGE}`);
      return 1;
    case 'dump-config':
      process.stdout.write(dumpConfig(await effectiveConfig(command.file)));
      return 0;
    case 'dump-schema':
    case 'dump-types': {
      const config = await effectiveConfig(command.file);
      const pool = new Pool(parseConnInfo(config.dbUri, process.env), {
        size: 1, pipelineDepth: 1, acquisitionTimeoutMs: config.dbPoolAcquisitionTimeout * 1000, statementCacheSize: 10, preparedStatements: false,
      });
      try {
        const cache = await loadSchemaCache(pool, config.dbSchemas, config.dbExtraSearchPath);
        process.stdout.write(command.kind === 'dump-types' ? databaseTypes(cache, config.dbSchemas) : JSON.stringify(schemaCacheToJson(cache)) + '\n');
      } finally {
        await pool.end();
      }
      return 0;
    }
    case 'ready': {
      const config = loadConfig({ file: command.file, env: process.env });
      if (config.adminServerUnixSocket !== null) return readyOverSocket(config.adminServerUnixSocket);
      const url = readyUrl(config);
      if (url === null) {
        process.stderr.write('ERROR: --ready needs admin-server-port and a concrete admin-server-host (or server-host)\n');
        return 1;
      }
      try {
        const res = await fetch(url);
        if (res.status === 200) {
          process.stdout.write(`OK: ${url}\n`);
          return 0;
        }
        process.stderr.write(`ERROR: ${url} answered ${res.status}\n`);
      } catch (e) {
        process.stderr.write(`ERROR: ${url}: ${e instanceof Error ? e.message : String(e)}\n`);
      }
      return 1;
    }
    case 'serve': {
      const allowSlowHttp = /^(1|true|yes|on)$/i.test(process.env['PGRST_SERVER_ALLOW_SLOW_HTTP'] ?? '');
      const fromEnv = (env: Readonly<Record<string, string | undefined>>, db?: ReadonlyMap<string, string>): AppConfig =>
        loadConfig({ file: command.file, env, warn, ...(db === undefined ? {} : { db }) });
      const startConfig = fromEnv(process.env);
      const starting = startProcessGateway(workerCount(startConfig), command.file, fromEnv, { allowSlowHttp, onFatal: () => process.exit(1) });
      // Handlers go in before the start finishes: a signal during it (worker threads starting,
      // after the first schema load was logged) waits for the gateway instead of killing the process.
      const shutdown = (signal: string): void => {
        const drainMs = startConfig.serverDrainTimeout * 1000;
        process.stderr.write(`${signal} received, answering open connections for up to ${drainMs / 1000} s
`);
        starting.then((gateway) => gateway.stop(drainMs)).then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGUSR1', () => {
        process.stderr.write('SIGUSR1 received, reloading the schema cache\n');
        void starting.then((gateway) => gateway.reloadSchema());
      });
      process.on('SIGUSR2', () => {
        process.stderr.write('SIGUSR2 received, reloading the config\n');
        void starting.then((gateway) => gateway.reloadConfig());
      });
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      await starting;
      return -1;
    }
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof ConfigError ? 'Configuration error' : 'Fatal'}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
