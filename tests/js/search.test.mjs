// Tests of the search engine (themes/default/static/search.js) against indexes that `dossier build` writes:
// one for a small site made here, one for the seed fixture. Run with `node --test tests/js/` after `cargo build`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(repo, "target", "debug", process.platform === "win32" ? "dossier.exe" : "dossier");

function engineApi() {
  const ctx = {};
  ctx.globalThis = ctx;
  vm.createContext(ctx);
  vm.runInContext(fs.readFileSync(path.join(repo, "themes/default/static/search.js"), "utf8"), ctx);
  return ctx.DossierSearchEngine;
}
const E = engineApi();

// Loads search data files the way the browser does: by running them.
function engineFor(out) {
  const loaded = [];
  const loader = (name) => {
    loaded.push(name);
    let data;
    const ctx = { dossierSearch: (n, d) => { assert.equal(n, name); data = d; } };
    vm.createContext(ctx);
    vm.runInContext(fs.readFileSync(path.join(out, "search", name + ".js"), "utf8"), ctx);
    return Promise.resolve(data);
  };
  const engine = new E.Engine(loader);
  engine.loaded = loaded;
  return engine;
}

function build(root, env = {}) {
  assert.ok(fs.existsSync(bin), `${bin} is missing: run \`cargo build\` first`);
  const out = path.join(root, "public");
  execFileSync(bin, ["--root", root, "build", "--out", out], { stdio: "pipe", env: { ...process.env, ...env } });
  return out;
}

function write(root, rel, text) {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
}

const report = (id, date, lang, countries, topics, title, body) =>
  `---\nid: ${id}\ntitle: ${JSON.stringify(title)}\ndate: ${date}\nlanguage: ${lang}\ncountries: [${countries}]\n` +
  `topics: [${topics}]\naccessed: ${date}\n---\n\n${body}\n`;

let tmp, site, seed, sharded;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dossier-search-"));
  const root = path.join(tmp, "site");
  write(root, "site.toml", `title = "Search test"\nbase_url = "https://example.org/"\nlanguage = "en"\n\n` +
    `[countries]\nkazakhstan = { en = "Kazakhstan", de = "Kasachstan" }\niran = { en = "Iran", de = "Iran" }\n\n` +
    `[topics]\ntorture = { en = "Torture", de = "Folter" }\npolice = { en = "Police", de = "Polizei" }\n`);
  write(root, "content/organisations/hrw.yaml", "name: Human Rights Watch\nshort: HRW\ndescription:\n  en: A human rights organisation that publishes an annual world report.\n");
  write(root, "content/organisations/ai.yaml", "name: Amnesty International\ndescription:\n  en: A movement campaigning against torture and the death penalty.\n");
  write(root, "content/sources/pool.yaml",
    "hrw-2024:\n  organisation: hrw\n  title: World Report 2024\n  date: 2024-01-11\n  language: en\n" +
    "ai-2023:\n  organisation: ai\n  title: Report on detention\n  date: 2023-03-28\n  language: en\n");
  write(root, "content/reports/r1.md", report("r1", "2024-05-01", "de", "kazakhstan", "torture",
    "Kasachstan: Folter in Polizeigewahrsam",
    "## Lage\n\nBerichte über Folter nehmen zu [@hrw-2024]. Die Überwachung von Journalisten wurde ausgeweitet.\n\n" +
    "Folter bleibe verbreitet, und Polizeigewahrsam sei ein Risiko [@ai-2023]."));
  write(root, "content/reports/r2.md", report("r2", "2023-03-01", "en", "iran", "police",
    "Iran: Police conduct at protests",
    "## Protests\n\nThe police used force against protesters [@hrw-2024]. " +
    "Several reports mention torture in detention [@ai-2023]."));
  write(root, "content/reports/r3.md", report("r3", "2022-01-01", "en", "kazakhstan", "police",
    "<img src=x onerror=alert(1)>",
    "A report on police reform and oversight [@hrw-2024]."));
  write(root, "content/reports/r4.md", report("r4", "2021-06-15", "de", "iran", "torture",
    "Iran: Haftbedingungen",
    "In den Gefängnissen berichteten Häftlinge von Folter der Polizei bei Verhören [@ai-2023]."));
  const filler = Array.from({ length: 90 }, (_, i) => `Absatz ${i + 1} beschreibt die allgemeine Lage ohne besondere Ereignisse.`).join("\n\n");
  write(root, "content/reports/r5.md", report("r5", "2020-02-02", "de", "iran", "police", "Iran: Lange Chronik",
    `${filler}\n\nZuletzt meldete die Chronik einen Grenzzwischenfall am Fluss [@ai-2023].`));
  site = build(root);
  const seedRoot = path.join(tmp, "seed");
  fs.cpSync(path.join(repo, "tests/fixtures/seed"), seedRoot, { recursive: true });
  seed = build(seedRoot);
  // The seed again, in shards of about 1.5 KB, so that lookups cross many shards, and indexed five documents at a
  // time, so that postings are merged across batches.
  const shardedRoot = path.join(tmp, "sharded");
  fs.cpSync(path.join(repo, "tests/fixtures/seed"), shardedRoot, { recursive: true });
  sharded = build(shardedRoot, { DOSSIER_SEARCH_SHARD_BYTES: "1500", DOSSIER_SEARCH_BATCH: "5" });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(out, q, filters = {}) {
  const engine = typeof out === "string" ? engineFor(out) : out;
  const r = await engine.checkPhrases(await engine.search(q, filters));
  const beforeCounts = engine.loaded.slice();
  const counts = r.empty ? null : await engine.counts(r);
  const docs = await Promise.all(r.ids.map((id) => engine.doc(id)));
  return { ...r, counts, docs, urls: docs.map((d) => d.u), engine, beforeCounts };
}

test("a word finds every report using any of its forms, title matches first", async () => {
  const r = await run(site, "Folter");
  const reports = r.urls.filter((u) => u.startsWith("reports/"));
  assert.deepEqual(reports, ["reports/r1/", "reports/r4/"]);
  assert.equal(r.urls[0], "reports/r1/", "the report with the word in its title ranks first");
  // An English word and its forms.
  const t = await run(site, "tortured");
  assert.ok(t.urls.includes("reports/r2/"));
  assert.ok(t.urls.includes("organisations/ai/"));
});

test("words are combined with AND, folding makes ü and ue equal", async () => {
  assert.deepEqual((await run(site, "Folter Polizeigewahrsam")).urls, ["reports/r1/"]);
  assert.deepEqual((await run(site, "ueberwachung")).urls, ["reports/r1/"]);
  assert.deepEqual((await run(site, "ÜBERWACHUNG ")).urls, ["reports/r1/"]);
  assert.equal((await run(site, "Folter nonexistentword")).total, 0);
});

test("the last word is a prefix while typing, not after a space", async () => {
  assert.deepEqual((await run(site, "Überwa")).urls, ["reports/r1/"]);
  assert.deepEqual((await run(site, "Überwa ")).urls, []);
  assert.ok((await run(site, "journ")).urls.includes("reports/r1/"));
});

test("quoted phrases must appear in order", async () => {
  const r = await run(site, '"Folter der Polizei"');
  assert.deepEqual(r.urls, ["reports/r4/"]);
  assert.equal(r.total, 1);
  // The same words unquoted also match the report that has them apart.
  const loose = await run(site, "Folter Polizei");
  assert.ok(loose.urls.includes("reports/r4/"));
});

test("filters combine and are counted; an empty query with filters lists reports newest first", async () => {
  const r = await run(site, "police");
  const counts = Object.fromEntries(r.engine.manifest.facets.map((f) => [f.name, f]));
  const country = (res, key) => res.counts.country[counts.country.values.findIndex((v) => v[0] === key)];
  assert.equal(country(r, "iran"), 1);
  assert.equal(country(r, "kazakhstan"), 1);
  const k = await run(site, "police", { country: ["kazakhstan"] });
  assert.deepEqual(k.urls, ["reports/r3/"]);
  // A facet's own counts ignore its own filter, so other countries stay selectable.
  assert.equal(country(k, "iran"), 1);
  const list = await run(site, "", { kind: ["report"], country: ["iran"] });
  assert.deepEqual(list.urls, ["reports/r2/", "reports/r4/", "reports/r5/"]);
  const both = await run(site, "", { kind: ["report"], country: ["iran", "kazakhstan"], year: ["2022", "2024"] });
  assert.deepEqual(both.urls, ["reports/r1/", "reports/r3/"]);
  const none = await run(site, "");
  assert.equal(none.total, 0);
  assert.ok(none.empty);
});

test("organisations cited is a filter, loaded only when used", async () => {
  const engine = engineFor(site);
  const r = await run(engine, "Folter", {});
  assert.ok(!engine.loaded.includes("facet-organisation"));
  assert.equal(r.counts.organisation, null);
  // Asked for, the organisation counts arrive with the organisations' names.
  const withOrgs = await engine.counts(r, "organisation");
  const orgs = engine.manifest.facets.find((f) => f.name === "organisation");
  const named = Object.fromEntries(orgs.values.map((v, i) => [v[1], withOrgs.organisation[i]]));
  assert.deepEqual(named, { "Amnesty International": 2, "Human Rights Watch": 1 });
  const ai = await run(engineFor(site), "", { kind: ["report"], organisation: ["ai"] });
  assert.ok(ai.engine.loaded.includes("facet-organisation"));
  assert.deepEqual(ai.urls, ["reports/r1/", "reports/r2/", "reports/r4/", "reports/r5/"]);
});

test("a query loads the manifest and its shard, then the facet lists for counts, never the whole index", async () => {
  const engine = engineFor(site);
  const r = await run(engine, "Folter");
  assert.deepEqual(r.beforeCounts.filter((n) => !n.startsWith("t/")), ["manifest"]);
  assert.equal(r.beforeCounts.filter((n) => n.startsWith("t/")).length, 1);
  assert.ok(engine.loaded.includes("facets"));
  assert.ok(!engine.loaded.includes("facet-organisation"));
});

test("snippets mark the query's words and content stays text", async () => {
  const r = await run(site, "alert");
  assert.deepEqual(r.urls, ["reports/r3/"]);
  assert.equal(r.docs[0].t, "<img src=x onerror=alert(1)>");
  const segs = r.engine.highlight(r.docs[0].t, r.parsed, 0);
  assert.equal(segs.map((s) => s.text).join(""), "<img src=x onerror=alert(1)>");
  assert.deepEqual(Array.from(segs.filter((s) => s.mark), (s) => s.text), ["alert"]);
  const f = await run(site, "Folter");
  const snip = f.engine.highlight((await f.engine.doc(f.ids[0], f.passage.get(f.ids[0]))).x, f.parsed, 12);
  assert.ok(snip.some((s) => s.mark && s.text === "Folter"));
});

test("long texts come in passages; a result loads the passage holding its word", async () => {
  const r = await run(site, "Grenzzwischenfall");
  assert.deepEqual(r.urls, ["reports/r5/"]);
  const id = r.ids[0];
  const first = await r.engine.doc(id, 0);
  assert.ok(first.c >= 2, `${first.c} passages`);
  const k = r.passage.get(id);
  assert.equal(k, first.c - 1);
  const d = await r.engine.doc(id, k);
  assert.ok(d.x.includes("Grenzzwischenfall"));
  assert.equal(d.t, "Iran: Lange Chronik");
  const snip = r.engine.highlight(d.x, r.parsed, 16);
  assert.deepEqual(Array.from(snip.filter((x) => x.mark), (x) => x.text), ["Grenzzwischenfall"]);
  // Phrases are checked against every passage.
  assert.deepEqual((await run(site, '"einen Grenzzwischenfall am Fluss"')).urls, ["reports/r5/"]);
  assert.deepEqual((await run(site, '"Absatz 3 beschreibt"')).urls, ["reports/r5/"]);
  assert.deepEqual((await run(site, '"Absatz 3 meldete"')).urls, []);
});

test("identifiers, gender forms and document symbols are found", async () => {
  assert.deepEqual((await run(seed, "a-12321-4")).urls, ["reports/a-12321-4/"]);
  // The joined form is stemmed like any word, so "experts" in an organisation's profile matches too.
  for (const q of ["Expert·innen", "Expert*innen", "Expert:innen"]) {
    const r = await run(seed, q);
    assert.equal(r.urls[0], "reports/a-12321-4/", q);
  }
  const cat = await run(seed, "CAT/C/KAZ/CO/4");
  assert.ok(cat.urls.length >= 1);
  assert.ok(cat.docs[0].m.includes("CAT/C/KAZ/CO/4"), "the source with that symbol comes first");
  const cyr = await run(seed, "устав");
  assert.deepEqual(cyr.urls, ["reports/a-12321-4/"]);
});

test("many small shards and batches give the same results as one", async () => {
  const engine = engineFor(sharded);
  const m = await engine.init();
  assert.ok(m.shards.length >= 8, `${m.shards.length} shards`);
  for (const q of ["Folter", "Sicherheit", "kasach", "a-12321-4", "CAT/C/KAZ/CO/4", "Expert·innen", '"Komitee für nationale Sicherheit"', "Polizei Reform"]) {
    const one = await run(seed, q);
    const many = await run(sharded, q);
    assert.deepEqual(many.urls, one.urls, q);
    assert.ok(one.total > 0, q);
  }
  const e = engineFor(sharded);
  await run(e, "Folter");
  assert.ok(e.loaded.filter((n) => n.startsWith("t/")).length < m.shards.length / 2, "a query loads few shards");
});

test("JavaScript and Rust split, fold and stem text the same way", async () => {
  const toks = E.tokens("Expert·innen CAT/C/KAZ/CO/4 (a-12321-4). Straße, Ökonomie 1.500");
  assert.deepEqual(Array.from(toks, (t) => t.joined ?? t.parts.join("")),
    ["expertinnen", "cat/c/kaz/co/4", "a-12321-4", "strasse", "oekonomie", "1.500"]);
  // Every word form the Rust side stemmed, in every shard of both indexes, gets the same stem here; every key is
  // in the shard the browser looks in.
  for (const out of [site, seed, sharded]) {
    const engine = engineFor(out);
    const m = await engine.init();
    let forms = 0;
    for (let i = 0; i < m.shards.length; i++) {
      const shard = await engine.loadShard(i);
      for (const [form, stem] of Object.entries(shard.f)) {
        assert.equal(engine.stem(form), stem, form);
        assert.equal(engine.shardOf(form), i, form);
        forms++;
      }
      for (const term of Object.keys(shard.p)) assert.equal(engine.shardOf(term), i, term);
    }
    assert.ok(forms > 20, `${forms} word forms`);
  }
});
