// Search in a real browser, on the built demo archive: over HTTP and from file:// (a --portable build).
// A reader types into the header box, sees results, narrows them with a filter, goes back, and follows a result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDemo, dossierBin, launchBrowser, serveDir } from './lib.mjs';

let browser, server, httpOut, fileOut;

before(async () => {
  httpOut = buildDemo();
  fileOut = buildDemo(['--portable']);
  server = await serveDir(httpOut);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Failed loads are reported by address below; the browser's own favicon request is not the site's.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => errors.push(`failed ${r.url()}`));
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  return { page, errors, requests };
}

async function searchFromHeader(page, q) {
  await page.fill('#site-search-q', q);
  await Promise.all([page.waitForURL(/search\//), page.press('#site-search-q', 'Enter')]);
  await page.waitForSelector('#search-results li.result');
}

async function resultTitles(page) {
  return page.$$eval('#search-results li.result h3', (hs) => hs.map((h) => h.textContent));
}

async function walkThrough(base, indexFile) {
  const { page, errors, requests } = await openPage(base + indexFile);
  await searchFromHeader(page, 'Folter');
  assert.match(page.url(), /search\/(index\.html)?\?q=Folter$/);
  assert.equal(await page.inputValue('#search-q'), 'Folter');
  const status = await page.textContent('#search-status');
  const total = Number(status.replace(/\D/g, ''));
  assert.ok(total >= 3, `status: ${status}`);
  assert.ok((await page.$$('#search-results mark')).length > 0, 'query words are marked');
  assert.ok((await resultTitles(page)).length <= 10);

  // Narrow to one country: fewer or equal results, the filter in the address.
  const box = page.locator('.facet-country input[type=checkbox]').first();
  const value = await box.getAttribute('value');
  await box.check();
  await page.waitForURL(new RegExp(`country=${value}`));
  await page.waitForFunction((before) => document.querySelector('#search-status').textContent !== before, status);
  const narrowed = Number((await page.textContent('#search-status')).replace(/\D/g, ''));
  assert.ok(narrowed >= 1 && narrowed <= total, `${narrowed} of ${total}`);
  const facetCount = await page.locator(`.facet-country label:has(input[value="${value}"]) .count`).textContent();
  assert.equal(facetCount, `(${narrowed})`);

  // Back: the unfiltered search returns.
  await page.goBack();
  await page.waitForFunction((t) => document.querySelector('#search-status').textContent.replace(/\D/g, '') === String(t), total);
  assert.equal(await page.isChecked(`.facet-country input[value="${value}"]`), false);

  // Follow the first result to its page.
  const first = page.locator('#search-results li.result h3 a').first();
  const title = (await first.textContent()).trim();
  await Promise.all([page.waitForURL((u) => !/search\//.test(u.pathname)), first.click()]);
  assert.ok((await page.textContent('h1')).trim().startsWith(title), 'the result leads to its page');

  assert.deepEqual(errors, []);
  const outside = requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:'));
  assert.deepEqual(outside, [], 'no request leaves the site');
  // Only a few index files were needed, not the whole index.
  const shards = requests.filter((u) => /\/search\/t\//.test(u));
  assert.ok(shards.length >= 1 && shards.length <= 2, shards.join('\n'));
  await page.close();
}

test('search over HTTP: type, see results, filter, go back, follow a result', async () => {
  await walkThrough(server.url, 'index.html');
});

test('search from file:// in a --portable build', async () => {
  await walkThrough(pathToFileURL(fileOut).href + '/', 'index.html');
});

test('keyboard: the search field is labelled and results are announced', async () => {
  const { page } = await openPage(server.url + 'search/?q=Kasachstan');
  await page.waitForSelector('#search-results li.result');
  assert.equal(await page.getAttribute('#search-status', 'aria-live'), 'polite');
  assert.equal(await page.textContent('label[for="search-q"]') !== '', true);
  await page.focus('#search-q');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), await page.textContent('#search-form button'));
  await page.close();
});

test('content is shown as text in results and snippets', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'dossier-evil-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const w = (rel, text) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  w('site.toml', 'title = "T"\nbase_url = "https://example.org/"\nlanguage = "en"\n');
  w('content/organisations/o.yaml', 'name: "<b>Org</b>"\ndescription:\n  en: "An <i>org</i> that alerts."\n');
  w('content/sources/s.yaml', 's1:\n  organisation: o\n  title: "<script>alert(2)</script>"\n  date: 2024-01-01\n');
  w('content/reports/x.md', '---\nid: x\ntitle: "<img src=x onerror=alert(1)>"\ndate: 2024-01-01\nsummary: "<svg onload=alert(3)> alert"\naccessed: 2024-01-01\n---\n\nText about alert levels [@s1].\n');
  const out = join(root, 'public');
  execFileSync(dossierBin(), ['--root', root, 'build', '--out', out], { stdio: 'pipe' });
  const local = await serveDir(out);
  const { page, errors } = await openPage(local.url + 'search/?q=alert');
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  await page.waitForSelector('#search-results li.result');
  const titles = await resultTitles(page);
  assert.ok(titles.includes('<img src=x onerror=alert(1)>'), titles.join('|'));
  assert.equal(await page.$$eval('#search-results img, #search-results svg, #search-results script, #search-results b, #search-results i', (x) => x.length), 0);
  assert.equal(dialogs, 0);
  assert.deepEqual(errors, []);
  await page.close();
  await local.close();
});
