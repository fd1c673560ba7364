// Search on a built site, Dossier's against Pagefind's, in headless Chromium: the bytes a browser transfers for a
// first one-word query (script included; raw and as a gzip-compressing host would send them) and the time from
// query to rendered results once the index files are loaded.
//
//   node bench/search.mjs SITE [WORD ...]
//
// SITE is the output of `dossier build`, with `pagefind --site SITE` run on it beforehand (its files in
// SITE/pagefind/); without them, Dossier alone is measured. Dossier is measured through its own search page; Pagefind through its JavaScript API, loading
// the same number of results (10) with their data, which is what its default interface needs to show them.
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchBrowser } from '../tests/site/lib.mjs';

const [site, ...args] = process.argv.slice(2);
if (!site) {
  console.error('usage: node bench/search.mjs SITE [WORD ...]');
  process.exit(2);
}
const words = args.length ? args : ['Teheran', 'Durchsuchungen', 'Hafteinrichtungen'];
const top = resolve(site);
const withPagefind = existsSync(join(top, 'pagefind', 'pagefind.js'));
if (!withPagefind) console.error(`no Pagefind index in ${top}/pagefind (run pagefind --site ${site}): measuring Dossier alone`);

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };
const gz = new Map();
let log = [];
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  let file = normalize(join(top, path));
  if (!file.startsWith(top)) return res.writeHead(403).end();
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file)) return res.writeHead(404).end();
  const body = readFileSync(file);
  // Pagefind's index files are compressed already; gzip would not shrink them further.
  if (!gz.has(file)) gz.set(file, file.includes('/pagefind/') && !file.endsWith('.js') && !file.endsWith('.css') ? body.length : gzipSync(body).length);
  log.push({ path, raw: body.length, gzip: gz.get(file) });
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'max-age=3600' });
  res.end(body);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchBrowser();

const sum = (entries) => ({
  files: entries.length,
  raw: entries.reduce((a, e) => a + e.raw, 0),
  gzip: entries.reduce((a, e) => a + e.gzip, 0),
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => (n / 1024).toFixed(1);

async function dossier(word) {
  const page = await browser.newPage();
  // Counted from opening the search page: the script and the manifest load then.
  log = [];
  await page.goto(base + 'search/');
  await page.waitForFunction(() => document.querySelector('#search-app') && !document.querySelector('#search-app').hidden);
  await page.fill('#search-q', word);
  await page.evaluate(() => document.getElementById('search-form').requestSubmit());
  await page.waitForFunction(() => document.querySelectorAll('#search-results li.result').length >= Math.min(10, Number(document.getElementById('search-status').textContent.replace(/\D/g, '')) || 1));
  await page.waitForSelector('.facet-country li');
  const index = log.filter((e) => e.path === '/search.js' || e.path.startsWith('/search/'));
  if (process.env.VERBOSE) console.error(index.map((e) => `${e.path} ${e.raw} ${e.gzip}`).join('\n'));
  // The results need neither facet list: those come after, for the filter counts.
  const toResults = sum(index.filter((e) => !e.path.startsWith('/search/facet')));
  const withCounts = sum(index);
  const total = await page.textContent('#search-status');
  // Again with everything loaded: query to rendered results.
  const times = [];
  for (let i = 0; i < 7; i++) {
    times.push(await page.evaluate(() => new Promise((done) => {
      const list = document.getElementById('search-results');
      const want = list.children.length;
      const t0 = performance.now();
      const obs = new MutationObserver(() => {
        if (list.children.length >= want && list.querySelector('li.result p.result-snippet, li.result h3')) {
          obs.disconnect();
          done(performance.now() - t0);
        }
      });
      list.textContent = '';
      obs.observe(list, { childList: true });
      document.getElementById('search-form').requestSubmit();
    })));
  }
  await page.close();
  return { total, toResults, withCounts, ms: median(times) };
}

async function pagefind(word) {
  const page = await browser.newPage();
  await page.goto(base + '404.html');
  log = [];
  const result = await page.evaluate(async ([base, word]) => {
    const pf = await import(base + 'pagefind/pagefind.js');
    await pf.options({ baseUrl: '/' });
    const first = await pf.search(word);
    await Promise.all(first.results.slice(0, 10).map((r) => r.data()));
    const times = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const r = await pf.search(word + (i % 2 ? ' ' : ''));
      await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
      times.push(performance.now() - t0);
    }
    return { total: first.results.length, times };
  }, [base, word]);
  const bytes = sum(log.filter((e) => e.path.startsWith('/pagefind/')));
  await page.close();
  return { total: result.total, toResults: bytes, ms: median(result.times) };
}

console.log('| word | Dossier results | Dossier to results, KB raw / gzip (files) | with filter counts, KB raw / gzip | Dossier query → rendered, ms | Pagefind results | Pagefind, KB transferred (files) | Pagefind query → data, ms |');
console.log('|---|---|---|---|---|---|---|---|');
for (const word of words) {
  const d = await dossier(word);
  const p = withPagefind ? await pagefind(word) : { total: '–', toResults: { gzip: NaN, files: 0 }, ms: NaN };
  console.log(`| ${word} | ${d.total} | ${kb(d.toResults.raw)} / ${kb(d.toResults.gzip)} (${d.toResults.files}) | ${kb(d.withCounts.raw)} / ${kb(d.withCounts.gzip)} | ${d.ms.toFixed(1)} | ${p.total} | ${kb(p.toResults.gzip)} (${p.toResults.files}) | ${p.ms.toFixed(1)} |`);
}
await browser.close();
server.close();
