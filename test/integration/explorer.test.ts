// openapi-ui-path: the explorer's files over HTTP, its refusal of a path that hides a table,
// and the page itself in Debian's Chromium (playwright-core): it lists the demo tables, runs a
// GET that shows rows, and follows the chosen schema (Accept-Profile) and JWT. Chromium is
// installed by `make test` (scripts/ensure-chromium.sh); the browser test skips where it is not.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { SignJWT } from 'jose';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ConfigError } from '../../gateway/config.js';
import { JWT_SECRET, request, startTestGateway, suiteGateway } from '../helpers/gateway.js';

function chromiumPath(): string | null {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  // Debian's /usr/bin/chromium is a wrapper script; the browser itself lives here.
  if (existsSync('/usr/lib/chromium/chromium')) return '/usr/lib/chromium/chromium';
  const which = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return which.status === 0 && found !== '' ? found : null;
}

const token = (role: string): Promise<string> =>
  new SignJWT({ role }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(JWT_SECRET));

describe('explorer over HTTP', () => {
  const gw = suiteGateway({ PGRST_OPENAPI_UI_PATH: '/docs', PGRST_DB_SCHEMAS: 'api,oa' });

  test('the path redirects to the page, which loads Swagger UI from the gateway (no CDN)', async () => {
    const r = await fetch(`http://127.0.0.1:${gw().port}/docs`, { redirect: 'manual' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.get('location'), 'docs/');
    const page = await request(gw(), 'GET', '/docs/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.text, /<script src="swagger-ui-bundle\.js"><\/script>/);
    assert.doesNotMatch(page.text, /https?:\/\//, 'nothing loaded from elsewhere');
    assert.match(page.text, /<option value="api">api<\/option><option value="oa">oa<\/option>/);
    const bundle = await request(gw(), 'GET', '/docs/swagger-ui-bundle.js');
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(bundle.text, /SwaggerUIBundle/);
    assert.equal((await request(gw(), 'GET', '/docs/swagger-ui.css')).status, 200);
  });

  test('unknown files, other methods and the API next to it', async () => {
    assert.equal((await request(gw(), 'GET', '/docs/../package.json')).status, 404);
    assert.equal((await request(gw(), 'GET', '/docs/index.html')).status, 404);
    const post = await request(gw(), 'POST', '/docs/', { body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await request(gw(), 'GET', '/todos?limit=1')).status, 200);
    // A path that only starts like the explorer's is the API's.
    assert.equal((await request(gw(), 'GET', '/docsx')).status, 404);
  });

  test('off by default: /docs is a table path like any other', async () => {
    const plain = await startTestGateway();
    try {
      const r = await request(plain, 'GET', '/docs/');
      assert.notEqual(r.status, 200);
      assert.doesNotMatch(r.text, /swagger/);
    } finally {
      await plain.stop();
    }
  });

  test('a path naming an exposed table is refused at start with a clear error', async () => {
    await assert.rejects(startTestGateway({ PGRST_OPENAPI_UI_PATH: '/todos' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, 'openapi-ui-path "/todos" would hide the table or view api.todos: choose another path (e.g. "/_docs")');
      return true;
    });
    // In a second exposed schema too (Accept-Profile reaches it).
    await assert.rejects(startTestGateway({ PGRST_OPENAPI_UI_PATH: '/entities', PGRST_DB_SCHEMAS: 'api,oa' }), /would hide the table or view oa\.entities/);
  });
});

const browserPath = chromiumPath();

describe('explorer in Chromium', { skip: browserPath === null ? 'no Chromium: `make test` installs it with apt-get where it runs as root' : false }, () => {
  const gw = suiteGateway({ PGRST_OPENAPI_UI_PATH: '/docs', PGRST_DB_SCHEMAS: 'api,oa' });
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  before(async () => {
    profile = mkdtempSync(join(tmpdir(), 'pgrest-gateway-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: browserPath!,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
  });
  after(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  test('the page lists the demo tables, and a GET run from it shows rows', async () => {
    await page.goto(`http://127.0.0.1:${gw().port}/docs`);
    // The first tables of the schema are listed at once; Swagger UI renders long lists as the
    // page scrolls, so the tag filter (enabled by the explorer) brings the tour's table up.
    await page.locator('#operations-tag-agg_customers').waitFor({ timeout: 30000 });
    await page.fill('.operation-filter-input', 'todos');
    const todos = page.locator('#operations-todos-get_todos');
    await todos.waitFor({ timeout: 30000 });
    assert.ok(await page.locator('.opblock-summary-path', { hasText: /^\/todos$/ }).first().isVisible());
    await todos.locator('.opblock-summary').click();
    await todos.getByRole('button', { name: 'Try it out' }).click();
    await todos.getByRole('button', { name: 'Execute' }).click();
    const body = todos.locator('.live-responses-table .response-col_description pre').first();
    await body.waitFor({ timeout: 30000 });
    const text = await body.innerText();
    assert.match(text, /finish tutorial 0/);
    assert.match(await todos.locator('.live-responses-table .response .response-col_status').first().innerText(), /200/);
    await body.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(tmpdir(), 'pgrest-gateway-explorer.png'), fullPage: false });
  });

  test('the chosen schema (Accept-Profile) and JWT pick what the page describes', async () => {
    await page.selectOption('#explorer-schema', 'oa');
    await page.click('#explorer-bar button[type=submit]');
    await page.locator('#operations-entities-get_entities').waitFor({ timeout: 30000 });
    assert.equal(await page.locator('#operations-todos-get_todos').count(), 0);
    // follow-privileges: web_anon cannot use authors_only, web_user can.
    assert.equal(await page.locator('#operations-authors_only-get_authors_only').count(), 0);
    await page.fill('#explorer-jwt', await token('web_user'));
    await page.click('#explorer-bar button[type=submit]');
    await page.locator('#operations-authors_only-get_authors_only').waitFor({ timeout: 30000 });
    // A bad token is the API's 401, shown in the page.
    await page.fill('#explorer-jwt', 'not-a-jwt');
    await page.click('#explorer-bar button[type=submit]');
    await page.locator('#explorer-status', { hasText: /401/ }).waitFor({ timeout: 30000 });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(tmpdir(), 'pgrest-gateway-explorer-oa.png'), fullPage: false });
  });
});
