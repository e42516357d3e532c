// Ceiling: a uWS endpoint that answers a fixed small JSON body without any database work.
// Run as its own process: `node hello.js PORT`.

import uws from 'uWebSockets.js';

const port = Number(process.argv[2]);
const body = '[{"id":1,"hello":"world"}]';
uws
  .App()
  .any('/*', (res) => {
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('Content-Type', 'application/json; charset=utf-8').end(body);
    });
  })
  .listen('127.0.0.1', port, (socket) => {
    if (socket === false) {
      process.stderr.write(`could not listen on ${port}\n`);
      process.exit(1);
    }
    process.stdout.write('ready\n');
  });
