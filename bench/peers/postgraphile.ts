// Peer: PostGraphile (v4) over the same database, answering the read workloads as GraphQL
// queries on POST /graphql. Run as its own process: `node postgraphile.js PORT DB_URI`.

import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';

const [portArg, uri] = process.argv.slice(2);
const middleware = postgraphile(uri, 'bench', {
  graphqlRoute: '/graphql',
  disableQueryLog: true,
  dynamicJson: true,
  retryOnInitFail: false,
  ignoreRBAC: false,
  // Each request runs as the API's anonymous role, as the gateway's do.
  pgDefaultRole: 'web_anon',
});
createServer(middleware).listen(Number(portArg), '127.0.0.1', () => process.stdout.write('ready\n'));
