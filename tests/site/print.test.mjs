// A report on paper and on screens: in print there is no navigation, the URLs of the
// source list show, the appendix starts on a new page and tables are not cut off.
// Screenshots of a report (desktop, phone, print) and its PDF are written to
// target/site-screenshots/ for a person to look at.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildDemo, launchBrowser, repoRoot, serveDir } from './lib.mjs';

const REPORT = 'reports/kaz-2024-003/index.html';
const shots = join(repoRoot, 'target', 'site-screenshots');
let server, browser;

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await serveDir(buildDemo());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('screenshots of a report on desktop and phone', async () => {
  for (const [name, width, scheme] of [['desktop', 1280, 'light'], ['phone', 360, 'light'], ['phone-dark', 360, 'dark']]) {
    const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: scheme, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(server.url + REPORT);
    await page.screenshot({ path: join(shots, `report-${name}.png`) });
    await page.screenshot({ path: join(shots, `report-${name}-full.png`), fullPage: true });
    await context.close();
  }
});

test('a report prints cleanly', async () => {
  const context = await browser.newContext({ viewport: { width: 794, height: 1123 } });
  const page = await context.newPage();
  await page.goto(server.url + REPORT);
  writeFileSync(join(shots, 'report.pdf'), await page.pdf({ format: 'A4', printBackground: false }));
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: join(shots, 'report-print-full.png'), fullPage: true });
  const facts = await page.evaluate(() => {
    const shown = (sel) => [...document.querySelectorAll(sel)].some((e) => e.getClientRects().length > 0);
    const after = (sel) => [...document.querySelectorAll(sel)].map((e) => getComputedStyle(e, '::after').content);
    const appendix = document.querySelector('.appendix');
    const tables = [...document.querySelectorAll('.report-body table')];
    const body = document.querySelector('.report-body').getBoundingClientRect();
    return {
      nav: shown('.site-header, .site-header nav, .site-footer, .skip-link, form[role=search], .search'),
      sourceUrls: [...document.querySelectorAll('.source-list li')].map((li) => {
        const a = li.querySelector('a.url');
        return !a || (getComputedStyle(a).display !== 'none' && li.innerText.includes(a.getAttribute('href')));
      }),
      linkAfter: after('.report-body a[href^="http"]'),
      appendixBreak: appendix ? getComputedStyle(appendix).breakBefore : 'page',
      tables: tables.map((t) => ({ display: getComputedStyle(t).display, right: t.getBoundingClientRect().right, max: body.right + 1 })),
      downloads: shown('.cite-downloads'),
    };
  });
  assert.equal(facts.nav, false, 'navigation and search are hidden in print');
  assert.ok(facts.sourceUrls.length > 0 && facts.sourceUrls.every(Boolean), 'every source-list URL is printed');
  assert.equal(facts.appendixBreak, 'page', 'the appendix starts on a new page');
  for (const t of facts.tables) {
    assert.equal(t.display, 'table', 'tables are not scroll boxes on paper');
    assert.ok(t.right <= t.max, `a table is cut off: ${t.right} > ${t.max}`);
  }
  assert.equal(facts.downloads, false, 'download links are not printed');
  await context.close();
});
