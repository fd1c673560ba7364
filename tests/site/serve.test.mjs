// `dossier serve` in a browser: a saved edit reloads the open page at the same scroll
// position, a broken file shows the error overlay over the last good page, and fixing it
// clears the overlay. Runs on a copy of the demo archive, in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dossierBin, launchBrowser, repoRoot } from './lib.mjs';

const REPORT = 'content/reports/afghanistan/afg-2022-007.md';
let site, server, url, browser, log = '';

/** Waits until the server's output has a line containing `needle`, and returns that line. */
function waitLine(needle, from = 0, timeout = 30000) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const look = () => {
      const line = log.slice(from).split('\n').find((l) => l.includes(needle));
      if (line) return resolve(line);
      if (Date.now() - t0 > timeout) return reject(new Error(`no "${needle}" in the server's output:\n${log}`));
      setTimeout(look, 20);
    };
    look();
  });
}

before(async () => {
  site = mkdtempSync(join(tmpdir(), 'dossier-serve-'));
  for (const part of ['site.toml', 'content', 'themes', 'static', 'templates']) {
    if (existsSync(join(repoRoot, part))) cpSync(join(repoRoot, part), join(site, part), { recursive: true });
  }
  server = spawn(dossierBin(), ['--root', site, 'serve', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr.on('data', (d) => { log += d; });
  const line = await waitLine('Serving at ');
  url = line.match(/http:\/\/\S+\//)[0];
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGINT');
  rmSync(site, { recursive: true, force: true });
});

test('a saved edit reloads the page where the reader was, and a broken file shows the overlay until fixed', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
  // The page listens to the server once the event stream has answered.
  const listening = page.waitForResponse((r) => r.url().endsWith('/__dossier/events'));
  await page.goto(url + 'reports/afg-2022-007/');
  const original = readFileSync(join(site, REPORT), 'utf8');
  assert.match(await page.textContent('h1'), /Sicherheitslage in Kabul/);
  await listening;
  // The browser's own restoring of the scroll position is turned off: the reload script must do it.
  await page.evaluate(() => { history.scrollRestoration = 'manual'; scrollTo(0, 900); });
  await page.waitForFunction(() => Math.abs(scrollY - 900) < 2);

  // An edit: the page reloads by itself with the new title, at the same place.
  let mark = log.length;
  const t0 = Date.now();
  writeFileSync(join(site, REPORT), original.replace(/^title: ".*"$/m, 'title: "Kabul: live edit check"'));
  await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('live edit check'), null, { timeout: 30000 });
  const shown = Date.now() - t0;
  await waitLine('Rebuilt in ', mark);
  await page.waitForFunction(() => Math.abs(scrollY - 900) < 2, null, { timeout: 5000 });
  console.log(`# save to new page in the browser: ${shown} ms`);

  // A broken front matter: the last good page stays, with the error and its position over it.
  mark = log.length;
  writeFileSync(join(site, REPORT), original.replace(/^date: .*$/m, 'date: 2022-13-45'));
  await waitLine('still serving the last good pages', mark);
  await page.waitForSelector('#dossier-overlay', { timeout: 10000 });
  const overlay = await page.textContent('#dossier-overlay');
  assert.match(overlay, /afg-2022-007\.md:\d+:\d+/, overlay);
  assert.match(await page.textContent('h1'), /live edit check/);

  // Fixed: the overlay goes and the page shows the fixed content.
  mark = log.length;
  writeFileSync(join(site, REPORT), original);
  await waitLine('Rebuilt in ', mark);
  await page.waitForFunction(() => !document.getElementById('dossier-overlay') && document.querySelector('h1')?.textContent.includes('Sicherheitslage in Kabul'), null, { timeout: 10000 });
  await page.close();
});
