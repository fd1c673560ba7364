// The live preview's speed: from saving one report to the new page being served, as an editor sees it.
//
//   node bench/serve.mjs SITE [SAVES] [GAP_MS]
//
// Starts `dossier serve --port 0` on SITE (the binary in target/release, or $DOSSIER), listens to its event
// stream like an open page does, then saves the site's first report SAVES times (default 7) the way editors do:
// write a temporary file next to it, rename it over the report. Each save adds a line after the front matter: a line
// of text (SAVES times), then a line citing a source the report cites (SAVES times); then three saves change its title.
// It times each save until the reload event has arrived and the report's page, fetched again, holds the new
// line; then it waits for the search index to follow before the next save, as an editor's saves are seconds
// apart. With GAP_MS, the next save comes GAP_MS milliseconds after the page was served instead, while the index
// of the last save is still being built, as when an editor saves often on a large archive. The report is restored
// at the end. Prints the times and the server's own account of each rebuild.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { dirname, join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const [siteArg, savesArg, gapArg] = process.argv.slice(2);
if (!siteArg) {
  console.error('usage: node bench/serve.mjs SITE [SAVES] [GAP_MS]');
  process.exit(2);
}
const site = resolve(siteArg);
const saves = Number(savesArg ?? 7);
const gap = gapArg === undefined ? null : Number(gapArg);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.DOSSIER ?? join(repo, 'target', 'release', 'dossier');

function firstReport(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      const found = firstReport(p);
      if (found) return found;
    } else if (name.endsWith('.md')) {
      return p;
    }
  }
  return null;
}
const report = firstReport(join(site, 'content', 'reports'));
const original = readFileSync(report, 'utf8');
const id = original.match(/^id:\s*"?([^"\n]+)"?\s*$/m)[1];

let log = '';
const server = spawn(bin, ['--root', site, 'serve', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
server.stderr.on('data', (d) => { log += d; });
const waitFor = (needle, from) => new Promise((done, fail) => {
  const t0 = Date.now();
  const look = () => {
    const line = log.slice(from).split('\n').find((l) => l.includes(needle));
    if (line) return done(line);
    if (server.exitCode !== null || Date.now() - t0 > 600000) return fail(new Error(`no "${needle}":\n${log}`));
    setTimeout(look, 5);
  };
  look();
});
const t0 = Date.now();
const url = (await waitFor('Serving at ', 0)).match(/http:\/\/\S+\//)[0];
console.log(`first build: ${((Date.now() - t0) / 1000).toFixed(1)} s; ${log.split('\n')[0]}`);

// The event stream, as the reload script reads it: each `state` event carries the site's version.
let version = null;
let onVersion = () => {};
get(url + '__dossier/events', (res) => {
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    buf += chunk;
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const data = block.split('\n').find((l) => l.startsWith('data:'));
      if (block.includes('event: state') && data) {
        version = JSON.parse(data.slice(5)).version;
        onVersion(version);
      }
    }
  });
});
const fetchText = (path) => new Promise((done, fail) => {
  get(url + path, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c) => { body += c; });
    res.on('end', () => done(body));
  }).on('error', fail);
});
while (version === null) await new Promise((r) => setTimeout(r, 10));

// Three kinds of saves: SAVES times a line of text; SAVES times a line citing a source the report already cites, at
// a new place each time, so the source's page changes too; and three times a new title, which every listing of the
// report shows.
const cited = original.match(/\[@([A-Za-z0-9._-]+)/);
const kinds = { text: [], citation: [], title: [] };
const order = [...Array(saves).fill('text'), ...Array(cited ? saves : 0).fill('citation'), 'title', 'title', 'title'];
const printed = [];
try {
  for (const [n, kind] of order.entries()) {
    const i = n + 1;
    const times = kinds[kind];
    const marker = `Live preview check ${i}-${Date.now()}`;
    let text;
    if (kind === 'title') {
      text = original.replace(/^title:.*$/m, `title: "${marker}"`);
    } else {
      const line = kind === 'text' ? marker : `${marker} [@${cited[1]}, S. ${900 + i}]`;
      text = original.replace(/^---\n([\s\S]*?)\n---\n/, (fm) => `${fm}\n${line}\n`);
    }
    const before = version;
    const mark = log.length;
    const changed = new Promise((done) => { onVersion = (v) => { if (v !== before) done(); }; });
    const tmp = join(dirname(report), `.${basename(report)}.tmp`);
    const start = process.hrtime.bigint();
    writeFileSync(tmp, text);
    renameSync(tmp, report);
    await changed;
    const page = await fetchText(`reports/${id}/`);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (!page.includes(marker)) throw new Error(`save ${i}: the page does not hold the new line`);
    times.push(ms);
    printed.push((await waitFor('Rebuilt in ', mark)).trim());
    if (gap === null) {
      printed.push((await waitFor('Search index updated in ', mark)).trim());
    } else {
      await new Promise((r) => setTimeout(r, gap));
    }
  }
} finally {
  writeFileSync(report, original);
  await new Promise((r) => setTimeout(r, 500));
  server.kill('SIGINT');
}
console.log(printed.join('\n'));
for (const [kind, times] of Object.entries(kinds).filter(([, t]) => t.length)) {
  const sorted = [...times].sort((a, b) => a - b);
  const what = { text: 'a line of text', citation: `a line citing ${cited?.[1]}`, title: 'a new title' }[kind];
  const apart = gap === null ? '' : `, ${gap} ms apart`;
  console.log(`save → new page, ${times.length} saves${apart} of ${report.slice(site.length + 1)} (${what}): median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms (${sorted[0].toFixed(0)}–${sorted[sorted.length - 1].toFixed(0)})`);
}
process.exit(0);
