// openapi-ui-path (beyond PostgREST): an API explorer page — Swagger UI from the swagger-ui-dist
// npm package, no CDN — over the OpenAPI the gateway serves at `/`. The page fetches that
// description itself with the chosen schema (Accept-Profile) and JWT, and sends every request
// it runs with the same headers (Content-Profile for writes). Files are read once, then kept.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SchemaCache } from '../planner/index.js';
import type { HttpResponse } from './http-response.js';

/** The swagger-ui-dist files the page uses, with their media types. */
const ASSETS: ReadonlyMap<string, string> = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ['favicon-32x32.png', 'image/png'],
  ['favicon-16x16.png', 'image/png'],
]);

const loaded = new Map<string, Buffer>();
let distDir: string | null = null;

function asset(name: string): Buffer {
  let body = loaded.get(name);
  if (body === undefined) {
    distDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    body = readFileSync(join(distDir, name));
    loaded.set(name, body);
  }
  return body;
}

/**
 * The table or view the explorer path would hide: a one-segment path names a relation in any
 * exposed schema (Accept-Profile picks among them). null = no conflict.
 */
export function explorerConflict(uiPath: string, schemas: readonly string[], cache: SchemaCache): string | null {
  const segments = uiPath.split('/').filter((s) => s !== '');
  if (segments.length !== 1) return null;
  const name = segments[0]!;
  for (const t of cache.tables.values()) {
    if (t.name === name && schemas.includes(t.schema)) return `${t.schema}.${t.name}`;
  }
  return null;
}

/** The start-up refusal for an explorer path that hides a relation, or null. */
export function explorerClash(uiPath: string | null, schemas: readonly string[], cache: SchemaCache | null): string | null {
  const hidden = uiPath === null || cache === null ? null : explorerConflict(uiPath, schemas, cache);
  return hidden === null ? null : `openapi-ui-path "${uiPath!}" would hide the table or view ${hidden}: choose another path (e.g. "/_docs")`;
}

/** Whether this request is for the explorer (its page, its files): checked before the API. */
export function isExplorerPath(uiPath: string, path: string): boolean {
  return path === uiPath || path.startsWith(uiPath + '/');
}

/** The explorer's response for a path under openapi-ui-path. */
export function explorerResponse(uiPath: string, path: string, method: string, schemas: readonly string[]): HttpResponse {
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, headers: [['Allow', 'GET, HEAD'], ['Content-Type', 'text/plain; charset=utf-8']], body: 'The API explorer only answers GET.\n' };
  }
  // The page lives at uiPath/, so its files and the API root resolve relative to it, behind a
  // proxy prefix too.
  const last = uiPath.slice(uiPath.lastIndexOf('/') + 1);
  if (path === uiPath) return { status: 301, headers: [['Location', `${last}/`]], body: undefined };
  const rest = path.slice(uiPath.length + 1);
  if (rest === '') return { status: 200, headers: [['Content-Type', 'text/html; charset=utf-8'], ['Cache-Control', 'no-cache']], body: page(schemas, '../'.repeat(uiPath.split('/').length - 1)) };
  if (rest === 'explorer.js') return { status: 200, headers: [['Content-Type', 'text/javascript; charset=utf-8'], ['Cache-Control', 'no-cache']], body: EXPLORER_JS };
  const type = ASSETS.get(rest);
  if (type === undefined) return { status: 404, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: 'Not found\n' };
  return { status: 200, headers: [['Content-Type', type], ['Cache-Control', 'public, max-age=86400']], body: method === 'HEAD' ? undefined : asset(rest) };
}

/** JSON inside a <script> element: `<` escaped so no value can close the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `root`: the API root relative to the page (uiPath/), e.g. `../` for /docs/. */
function page(schemas: readonly string[], root: string): string {
  const options = schemas.map((s) => `<option value="${escapeHtml(s)}">${escapeHtml(s)}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>API explorer</title>
<link rel="stylesheet" href="swagger-ui.css">
<link rel="icon" type="image/png" href="favicon-32x32.png">
<style>
  body { margin: 0; font-family: sans-serif; }
  #explorer-bar { display: flex; gap: 1em; align-items: center; padding: 0.6em 1.2em; background: #1b1b1b; color: #fff; flex-wrap: wrap; }
  #explorer-bar input { width: 28em; }
  #explorer-status { color: #f88; }
</style>
</head>
<body>
<form id="explorer-bar">
  <strong>API explorer</strong>
  <label>Schema <select id="explorer-schema">${options}</select></label>
  <label>JWT <input id="explorer-jwt" type="password" autocomplete="off" placeholder="empty = anonymous role"></label>
  <button type="submit">Apply</button>
  <span id="explorer-status" role="status"></span>
</form>
<div id="swagger-ui"></div>
<script id="explorer-config" type="application/json">${scriptJson({ schemas, root })}</script>
<script src="swagger-ui-bundle.js"></script>
<script src="explorer.js"></script>
</body>
</html>
`;
}

/**
 * The page's script: fetch the description for the chosen schema and token, point it at this
 * origin (the description names server-host, which a browser may not reach), and run Swagger UI
 * with a request interceptor that adds the same profile and token to every request it sends.
 */
const EXPLORER_JS = `'use strict';
(function () {
  var config = JSON.parse(document.getElementById('explorer-config').textContent);
  var apiRoot = new URL(config.root, window.location.href);
  var schemaBox = document.getElementById('explorer-schema');
  var jwtBox = document.getElementById('explorer-jwt');
  var status = document.getElementById('explorer-status');
  var params = new URLSearchParams(window.location.search);
  if (params.get('schema')) schemaBox.value = params.get('schema');
  jwtBox.value = window.sessionStorage.getItem('explorer-jwt') || '';
  function headersFor(method) {
    var h = {};
    h[method === 'GET' || method === 'HEAD' ? 'Accept-Profile' : 'Content-Profile'] = schemaBox.value;
    if (jwtBox.value.trim() !== '') h['Authorization'] = 'Bearer ' + jwtBox.value.trim();
    return h;
  }
  function load() {
    status.textContent = '';
    window.sessionStorage.setItem('explorer-jwt', jwtBox.value);
    var headers = headersFor('GET');
    headers['Accept'] = 'application/openapi+json';
    fetch(apiRoot.href, { headers: headers }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(res.status + ': ' + (body && body.message ? body.message : res.statusText));
        return body;
      });
    }).then(function (spec) {
      var base = apiRoot.pathname.replace(/\\/$/, '') || '/';
      if (spec.swagger) {
        spec.host = window.location.host;
        spec.basePath = base;
        spec.schemes = [window.location.protocol.replace(':', '')];
      } else {
        spec.servers = [{ url: apiRoot.origin + (base === '/' ? '' : base) }];
      }
      window.ui = SwaggerUIBundle({
        spec: spec,
        dom_id: '#swagger-ui',
        deepLinking: false,
        filter: true,
        presets: [SwaggerUIBundle.presets.apis],
        layout: 'BaseLayout',
        requestInterceptor: function (req) {
          var extra = headersFor((req.method || 'GET').toUpperCase());
          for (var k in extra) req.headers[k] = extra[k];
          return req;
        }
      });
    }).catch(function (err) {
      status.textContent = 'Could not load the API description: ' + err.message;
    });
  }
  document.getElementById('explorer-bar').addEventListener('submit', function (e) {
    e.preventDefault();
    load();
  });
  load();
})();
`;
