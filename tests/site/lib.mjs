// Shared helpers for the Node-side checks of a built Dossier site: the binary, a demo
// build in a temporary folder, a small static file server and a headless Chromium.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's top folder. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The path of target/debug/dossier; throws with a clear message when it has not been built. */
export function dossierBin() {
  const exe = process.platform === 'win32' ? 'dossier.exe' : 'dossier';
  const bin = join(repoRoot, 'target', 'debug', exe);
  if (!existsSync(bin)) {
    throw new Error(`${bin} does not exist: run \`cargo build\` before \`node --test tests/site/\``);
  }
  return bin;
}

const temporary = [];
process.on('exit', () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/**
 * Builds the repository's demo archive into a new temporary folder and returns that folder.
 * The folder is removed when the process exits.
 */
export function buildDemo(extraArgs = []) {
  const top = mkdtempSync(join(tmpdir(), 'dossier-site-'));
  temporary.push(top);
  const out = join(top, 'public');
  execFileSync(dossierBin(), ['--root', repoRoot, 'build', '--out', out, ...extraArgs], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  return out;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.bib': 'application/x-bibtex; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.pdf': 'application/pdf',
};

/** Content type of a file by its extension. */
export function contentType(path) {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Serves `dir` over HTTP on 127.0.0.1 at a free port. `x/` serves `x/index.html`; a
 * missing file gets the site's 404.html with status 404.
 * Resolves to {url, close}, where url ends in `/` and close() returns a Promise.
 */
export function serveDir(dir) {
  const top = resolve(dir);
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = normalize(join(top, path));
    if (file !== top && !file.startsWith(top + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      const notFound = join(top, '404.html');
      res.writeHead(404, { 'content-type': TYPES['.html'] });
      res.end(existsSync(notFound) ? readFileSync(notFound) : 'not found');
      return;
    }
    res.writeHead(200, { 'content-type': contentType(file) });
    res.end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      ok({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** The Chromium the checks drive; fails clearly when it is not installed. */
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Chromium through playwright-core. */
export async function launchBrowser() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install it (Debian package \`chromium\`) or set CHROMIUM`);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** Every file under `dir`, relative with `/` separators, sorted. */
export function walk(dir) {
  const out = [];
  const visit = (d, rel) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(join(d, e.name), r);
      else out.push(r);
    }
  };
  visit(dir, '');
  return out.sort();
}
