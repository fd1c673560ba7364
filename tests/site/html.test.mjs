// The Nu HTML Checker (vnu-jar, run with the machine's Java) finds no error in any page
// of the demo archive, nor in its style sheets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildDemo, repoRoot, walk } from './lib.mjs';

const vnuJar = join(repoRoot, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');

test('every page and style sheet of the demo archive is valid', () => {
  assert.ok(existsSync(vnuJar), `${vnuJar} is missing: run \`npm ci\``);
  const out = buildDemo();
  const files = walk(out).filter((f) => f.endsWith('.html') || f.endsWith('.css'));
  assert.ok(files.filter((f) => f.endsWith('.html')).length > 100, `only ${files.length} files`);
  let report;
  try {
    // vnu exits with 1 when it finds errors; the JSON report goes to stderr either way.
    execFileSync('java', ['-jar', vnuJar, '--also-check-css', '--format', 'json', ...files.map((f) => join(out, f))], {
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    report = '{"messages":[]}';
  } catch (e) {
    if (e.code === 'ENOENT') assert.fail('`java` is not installed: install a Java runtime (Debian: default-jre-headless)');
    report = e.stderr?.toString() ?? '';
  }
  let messages;
  try {
    ({ messages } = JSON.parse(report));
  } catch {
    assert.fail(`the HTML checker did not report JSON:\n${report.slice(0, 2000)}`);
  }
  const errors = messages
    .filter((m) => m.type === 'error' || m.type === 'non-document-error')
    .map((m) => `${(m.url ?? '').replace(`file:${out}/`, '')}:${m.lastLine ?? ''}: ${m.message}`);
  assert.deepEqual(errors, []);
});
