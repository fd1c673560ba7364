// Accessibility and layout of the demo archive in headless Chromium: axe-core finds no
// serious or critical WCAG 2.1 AA violation, in light and dark schemes, at 1280 and 360
// px; nothing scrolls sideways; every page has one h1, a lang, landmarks and a skip link
// with a visible focus; and no request leaves the site.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { buildDemo, launchBrowser, repoRoot, serveDir } from './lib.mjs';
import { PAGES, WIDTHS } from './pages.mjs';

const axeSource = readFileSync(`${repoRoot}/node_modules/axe-core/axe.min.js`, 'utf8');
let server, browser;

before(async () => {
  // A base URL at the host's top, so that 404.html finds its style sheet on this server.
  server = await serveDir(buildDemo(['--base-url', 'http://localhost/']));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function visit(width, scheme, fn) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
  const page = await context.newPage();
  const foreign = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  try {
    await fn(page, foreign);
  } finally {
    await context.close();
  }
}

for (const scheme of ['light', 'dark']) {
  for (const width of WIDTHS) {
    test(`axe: no serious or critical violations (${scheme}, ${width} px)`, async () => {
      const problems = [];
      await visit(width, scheme, async (page, foreign) => {
        for (const path of PAGES) {
          const res = await page.goto(server.url + path);
          assert.equal(res.status(), 200, `${path}: HTTP ${res.status()}`);
          if (path.includes('?q=')) await page.waitForSelector('#search-results li', { timeout: 10000 });
          await page.addScriptTag({ content: axeSource });
          const result = await page.evaluate(() =>
            window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }),
          );
          for (const v of result.violations) {
            if (v.impact === 'serious' || v.impact === 'critical') {
              problems.push(`${path}: ${v.impact} ${v.id} (${v.nodes.length}×, e.g. ${v.nodes[0].target.join(' ')}): ${v.help}`);
            }
          }
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          if (overflow > 0) problems.push(`${path}: scrolls sideways by ${overflow} px`);
        }
        assert.deepEqual(foreign, [], 'requests to other hosts');
      });
      assert.deepEqual(problems, []);
    });
  }
}

test('structure: lang, one h1, landmarks, skip link with visible focus', async () => {
  const problems = [];
  await visit(1280, 'light', async (page) => {
    for (const path of PAGES) {
      await page.goto(server.url + path);
      const facts = await page.evaluate(() => ({
        lang: document.documentElement.getAttribute('lang'),
        h1: document.querySelectorAll('h1').length,
        main: document.querySelectorAll('main').length,
        banner: document.querySelectorAll('body > header').length,
        nav: document.querySelectorAll('header nav').length,
        footer: document.querySelectorAll('body > footer').length,
        title: document.title,
        description: document.querySelector('meta[name=description]')?.content ?? '',
      }));
      if (!facts.lang) problems.push(`${path}: no lang`);
      if (facts.h1 !== 1) problems.push(`${path}: ${facts.h1} h1`);
      if (facts.main !== 1 || facts.banner !== 1 || facts.nav !== 1 || facts.footer !== 1) {
        problems.push(`${path}: landmarks ${JSON.stringify(facts)}`);
      }
      if (!facts.title || !facts.description) problems.push(`${path}: title or description missing`);
      // The first Tab lands on the skip link, which then shows, with an outline, and leads to main.
      await page.keyboard.press('Tab');
      const skip = await page.evaluate(() => {
        const a = document.activeElement;
        const r = a.getBoundingClientRect();
        const s = getComputedStyle(a);
        return { cls: a.className, href: a.getAttribute('href'), visible: r.left >= 0 && r.top >= 0 && r.width > 0, outline: s.outlineStyle, width: parseFloat(s.outlineWidth) };
      });
      if (skip.cls !== 'skip-link' || skip.href !== '#main') problems.push(`${path}: first Tab is not the skip link (${JSON.stringify(skip)})`);
      else if (!skip.visible || skip.outline === 'none' || skip.width < 2) problems.push(`${path}: focused skip link not visible (${JSON.stringify(skip)})`);
      await page.keyboard.press('Enter');
      const focused = await page.evaluate(() => document.activeElement.id);
      if (focused !== 'main') problems.push(`${path}: skip link leads to #${focused}`);
      // Links show a focus outline too.
      await page.keyboard.press('Tab');
      const link = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return { tag: document.activeElement.tagName, outline: s.outlineStyle };
      });
      if (link.tag === 'A' && link.outline === 'none') problems.push(`${path}: focused link has no outline`);
    }
  });
  assert.deepEqual(problems, []);
});

test('quoted passages carry the language of their source', async () => {
  await visit(1280, 'light', async (page) => {
    await page.goto(server.url + 'reports/kaz-2024-003/index.html');
    const langs = await page.evaluate(() => ({
      page: document.documentElement.lang,
      report: document.querySelector('article.report').lang,
      quotes: [...document.querySelectorAll('.appendix blockquote')].map((q) => q.lang),
    }));
    assert.equal(langs.page, 'de-AT');
    assert.ok(langs.quotes.length > 0, 'the report has excerpts');
    assert.ok(langs.quotes.every((l) => l), 'every excerpt has a lang');
    assert.ok(langs.quotes.some((l) => l === 'en'), `an English excerpt in a German report: ${langs.quotes}`);
  });
});
