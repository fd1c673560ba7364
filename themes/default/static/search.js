/* Dossier search: runs in the browser against the index that `dossier build` writes to search/.
 *
 * The index is a set of JavaScript data files, each calling dossierSearch(name, data); they are loaded with script
 * tags, so search works from a web server and from a folder opened via file:// alike. Only the files a query needs
 * are loaded: the manifest, the term shards of its words, the facet lists, and one file per shown result.
 *
 * Word rules (folding, tokens, stems, shard buckets) mirror src/search.rs exactly; change both together.
 * The engine part has no DOM access and is exported as DossierSearchEngine for tests; the page part below it
 * drives the search page. Everything from the index is inserted as text, never as HTML. */
(function (global) {
  "use strict";

  // ---- Words: the same rules as src/search.rs ----

  var FOLD = {
    "ä": "ae", "æ": "ae", "ö": "oe", "œ": "oe", "ü": "ue", "ß": "ss",
    "à": "a", "á": "a", "â": "a", "ã": "a", "å": "a", "ā": "a", "ă": "a", "ą": "a",
    "ç": "c", "ć": "c", "č": "c", "ď": "d", "đ": "d",
    "è": "e", "é": "e", "ê": "e", "ë": "e", "ē": "e", "ė": "e", "ę": "e", "ě": "e", "ğ": "g",
    "ì": "i", "í": "i", "î": "i", "ï": "i", "ī": "i", "ı": "i", "ł": "l",
    "ñ": "n", "ń": "n", "ň": "n", "ò": "o", "ó": "o", "ô": "o", "õ": "o", "ø": "o", "ō": "o", "ő": "o",
    "ř": "r", "ś": "s", "š": "s", "ş": "s", "ș": "s", "ť": "t", "ț": "t",
    "ù": "u", "ú": "u", "û": "u", "ů": "u", "ū": "u", "ű": "u", "ý": "y", "ÿ": "y",
    "ź": "z", "ż": "z", "ž": "z", "ё": "е"
  };
  var ALNUM = /[\p{Alphabetic}\p{N}]/u;
  var ALPHA_ONLY = /^\p{Alphabetic}+$/u;
  var KEEPS = "-/.\u2011";
  var VANISHES = "·*:_'\u2019\u00ad\u200b";

  function fold(word) {
    var out = "";
    for (var c of word.toLowerCase()) out += FOLD[c] !== undefined ? FOLD[c] : c;
    return out;
  }

  // Tokens with their position in the text: {parts, joined, start, end} (start/end index UTF-16 units).
  function tokens(text) {
    var out = [];
    var i = 0;
    var n = text.length;
    function at(k) { return k < n ? String.fromCodePoint(text.codePointAt(k)) : ""; }
    while (i < n) {
      var c = at(i);
      if (!ALNUM.test(c)) { i += c.length; continue; }
      var start = i, parts = [], joined = "", part = "", anyJoiner = false;
      for (;;) {
        while (i < n && ALNUM.test(c = at(i))) { part += c; i += c.length; }
        var j = at(i);
        var joiner = j !== "" && (KEEPS.indexOf(j) >= 0 || VANISHES.indexOf(j) >= 0) && ALNUM.test(at(i + j.length));
        var folded = fold(part);
        joined += folded;
        parts.push(folded);
        part = "";
        if (!joiner) break;
        anyJoiner = true;
        if (KEEPS.indexOf(j) >= 0) joined += j === "\u2011" ? "-" : j;
        i += j.length;
      }
      out.push({ parts: parts, joined: anyJoiner ? joined : null, start: start, end: i });
    }
    return out;
  }

  // The one term a token stands for in a query or phrase: its joined form, or its single part.
  function mainTerm(t) { return t.joined !== null ? t.joined : t.parts[0]; }

  function makeStemmer(suffixes, minStem) {
    return function stem(term) {
      if (!ALPHA_ONLY.test(term)) return term;
      var s = term;
      for (var round = 0; round < 2; round++) {
        var len = Array.from(s).length, hit = null;
        for (var k = 0; k < suffixes.length; k++) {
          var suf = suffixes[k];
          if (s.endsWith(suf) && len - Array.from(suf).length >= minStem) { hit = suf; break; }
        }
        if (!hit) break;
        s = s.slice(0, s.length - hit.length);
      }
      return s;
    };
  }

  // FNV-1a over UTF-16 code units: names a term shard after its first key, as src/search.rs does.
  function fnv32(s) {
    var h = 0x811c9dc5;
    for (var i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return h >>> 0;
  }

  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var DIGIT = {};
  for (var d = 0; d < 64; d++) DIGIT[DIGITS[d]] = d;

  function readVarints(s) {
    var out = [], v = 0, shift = 0;
    for (var i = 0; i < s.length; i++) {
      var x = DIGIT[s[i]];
      v += (x & 31) * Math.pow(2, shift);
      if (x & 32) { shift += 5; } else { out.push(v); v = 0; shift = 0; }
    }
    return out;
  }

  // A document list: gaps, or after "~" a bitmap of six documents per character.
  function decodeIds(s) {
    if (s[0] === "~") {
      var set = [];
      for (var c = 1; c < s.length; c++) {
        var bits = DIGIT[s[c]];
        for (var b = 0; b < 6; b++) if (bits & (1 << b)) set.push((c - 1) * 6 + b);
      }
      return set;
    }
    var gaps = readVarints(s), ids = new Array(gaps.length), prev = -1;
    for (var i = 0; i < gaps.length; i++) { prev = i === 0 ? gaps[0] : prev + gaps[i] + 1; ids[i] = prev; }
    return ids;
  }

  // Postings string → Map(doc → [score, passage]).
  function decodePostings(s) {
    var v = readVarints(s), m = new Map(), prev = -1;
    for (var i = 0; i + 2 < v.length; i += 3) {
      prev = i === 0 ? v[0] : prev + v[i] + 1;
      m.set(prev, [v[i + 1], v[i + 2]]);
    }
    return m;
  }

  // ---- Queries ----

  // Parses a query into words and quoted phrases. The last word is a prefix while it is still being typed.
  function parseQuery(q, stem, stopwords) {
    var groups = [], phrases = [];
    var quoted = /"([^"]*)"?/g, m, rest = "", last = 0;
    while ((m = quoted.exec(q)) !== null) {
      rest += q.slice(last, m.index) + " ";
      last = quoted.lastIndex;
      var toks = tokens(m[1]).map(function (t) { return stem(mainTerm(t)); });
      if (toks.length) phrases.push(toks);
      toks.forEach(function (s) { if (!stopwords.has(s)) groups.push({ stems: [s], prefix: null }); });
    }
    rest += q.slice(last);
    var typing = q.length > 0 && !/\s$/.test(q) && (q.split('"').length % 2 === 1) && !/"$/.test(q);
    var toks = tokens(rest);
    toks.forEach(function (t, i) {
      var term = mainTerm(t);
      if (stopwords.has(term)) return;
      var isLast = typing && i === toks.length - 1 && t.end === rest.length;
      groups.push({ stems: [stem(term)], prefix: isLast && Array.from(term).length >= 3 ? term : null });
    });
    return { groups: groups, phrases: phrases };
  }

  function Engine(loader) {
    this.loader = loader;
    this.cache = {};
    this.manifest = null;
    this.postings = {};
    this.loadedShards = {};
  }

  Engine.prototype.file = function (name) {
    var self = this;
    if (!this.cache[name]) {
      var version = this.manifest ? this.manifest.version : "";
      this.cache[name] = Promise.resolve(this.loader(name, version)).catch(function (e) {
        delete self.cache[name];
        throw e;
      });
    }
    return this.cache[name];
  };

  Engine.prototype.init = function () {
    var self = this;
    if (!this.ready) {
      this.ready = this.loader("manifest", "").then(function (m) {
        self.manifest = m;
        self.stem = makeStemmer(m.suffixes, m.min_stem);
        self.stopwords = new Set(m.stopwords);
        self.facetIndex = {};
        m.facets.forEach(function (f, i) { self.facetIndex[f.name] = i; });
        self.members = {};
        return m;
      });
    }
    return this.ready;
  };

  // The shard holding a key: the last one whose first key is not after it.
  Engine.prototype.shardOf = function (key) {
    var starts = this.manifest.shards, lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= key) lo = mid; else hi = mid - 1;
    }
    return lo;
  };

  Engine.prototype.loadShard = function (i) {
    var self = this;
    var name = ("0000000" + fnv32(this.manifest.shards[i]).toString(16)).slice(-8);
    return this.file("t/" + name).then(function (data) { self.loadedShards[i] = data; return data; });
  };

  // Facet membership: per facet, doc → [value index]; organisations load on demand, with their names.
  Engine.prototype.facet = function (name) {
    var self = this;
    if (this.members[name]) return Promise.resolve(this.members[name]);
    var f = this.manifest.facets[this.facetIndex[name]];
    return this.file(f.lazy ? "facet-" + name : "facets").then(function (data) {
      if (data.values) f.values = data.values;
      self.manifest.facets.forEach(function (g) {
        if (self.members[g.name] || !data[g.name]) return;
        var byDoc = new Map();
        data[g.name].forEach(function (list, value) {
          decodeIds(list).forEach(function (id) {
            var a = byDoc.get(id);
            if (a) a.push(value); else byDoc.set(id, [value]);
          });
        });
        self.members[g.name] = byDoc;
      });
      return self.members[name];
    });
  };

  // Map(doc → [score, passage]) for one stem whose shard is loaded.
  Engine.prototype.posting = function (stem) {
    if (!this.postings[stem]) {
      var shard = this.loadedShards[this.shardOf(stem)];
      var s = shard && shard.p[stem];
      this.postings[stem] = s ? decodePostings(s) : new Map();
    }
    return this.postings[stem];
  };

  // Loads the shards a query needs: each word's stem, for a prefix the shards of its range (up to four), then the
  // shards of the stems its completions lead to.
  Engine.prototype.loadTerms = function (parsed) {
    var self = this, first = new Set();
    parsed.groups.forEach(function (g) {
      first.add(self.shardOf(g.stems[0]));
      if (g.prefix) {
        var from = self.shardOf(g.prefix), to = Math.min(self.shardOf(g.prefix + "\uffff"), from + 3);
        for (var i = from; i <= to; i++) first.add(i);
      }
    });
    return Promise.all(Array.from(first, function (i) { return self.loadShard(i); })).then(function () {
      var second = new Set();
      parsed.groups.forEach(function (g) {
        var stems = g.stems.slice(), seen = new Set(stems);
        if (g.prefix) {
          Object.keys(self.loadedShards).forEach(function (i) {
            var sh = self.loadedShards[i];
            Object.keys(sh.p).forEach(function (t) { if (t.startsWith(g.prefix) && !seen.has(t)) { seen.add(t); stems.push(t); } });
            Object.keys(sh.f).forEach(function (f) {
              var s = sh.f[f];
              if (f.startsWith(g.prefix) && !seen.has(s)) { seen.add(s); stems.push(s); }
            });
          });
        }
        g.all = stems.slice(0, 400);
        g.all.forEach(function (s) { var i = self.shardOf(s); if (!self.loadedShards[i] && second.size < 8) second.add(i); });
      });
      return Promise.all(Array.from(second, function (i) { return self.loadShard(i); }));
    });
  };

  // Runs a query with filters ({facet: [value keys]}). Resolves to
  // {total, ids (ranked), passage (Map doc → passage of its snippet), parsed, empty}; counts come from counts().
  Engine.prototype.search = function (q, filters) {
    var self = this;
    filters = filters || {};
    return this.init().then(function (m) {
      var parsed = parseQuery(q || "", self.stem, self.stopwords);
      var active = m.facets.filter(function (f) { return (filters[f.name] || []).length > 0; });
      var loads = active.map(function (f) { return self.facet(f.name); });
      loads.push(self.loadTerms(parsed));
      return Promise.all(loads).then(function () { return self.rank(parsed, filters); });
    });
  };

  Engine.prototype.rank = function (parsed, filters) {
    var self = this, m = this.manifest;
    var scores = null, passage = new Map(), rarest = Infinity;
    if (parsed.groups.length > 0) {
      parsed.groups.forEach(function (g) {
        var here = new Map(), size = 0;
        g.all.forEach(function (s) {
          self.posting(s).forEach(function (sp, id) {
            size++;
            var prev = here.get(id);
            if (prev === undefined || sp[0] > prev[0]) here.set(id, sp);
          });
        });
        // Snippets come from the passage of the rarest word.
        var rare = size < rarest;
        if (rare) rarest = size;
        if (scores === null) {
          scores = new Map();
          here.forEach(function (sp, id) { scores.set(id, sp[0]); passage.set(id, sp[1]); });
          return;
        }
        var next = new Map();
        scores.forEach(function (score, id) {
          var x = here.get(id);
          if (x === undefined) return;
          next.set(id, score + x[0]);
          if (rare) passage.set(id, x[1]);
        });
        scores = next;
      });
    } else if (parsed.phrases.length === 0) {
      var any = m.facets.some(function (f) { return (filters[f.name] || []).length > 0; });
      if (!any) return { total: 0, ids: [], matched: [], passage: passage, parsed: parsed, filters: filters, empty: true };
      scores = new Map();
      for (var id = 0; id < m.docs; id++) scores.set(id, 0);
    } else {
      scores = new Map();
    }
    var matched = [];
    scores.forEach(function (score, id) { matched.push(id); });
    var ids = matched.filter(function (id) { return self.passes(id, filters, null); });
    ids.sort(function (a, b) { return (scores.get(b) - scores.get(a)) || (a - b); });
    return { total: ids.length, ids: ids, matched: matched, passage: passage, parsed: parsed, filters: filters, empty: false };
  };

  // Whether a document passes the filters: OR within a facet, AND across facets, leaving out facet `except`.
  Engine.prototype.passes = function (id, filters, except) {
    var m = this.manifest;
    for (var i = 0; i < m.facets.length; i++) {
      var f = m.facets[i], keys = filters[f.name] || [];
      if (keys.length === 0 || f.name === except) continue;
      var vals = this.members[f.name].get(id) || [];
      if (!vals.some(function (v) { return keys.indexOf(f.values[v][0]) >= 0; })) return false;
    }
    return true;
  };

  // Counts per facet value over a result's matches, each facet ignoring its own filter; null for a facet whose
  // lists are not loaded (organisations, until asked for). Loads the facet lists on first use.
  Engine.prototype.counts = function (result, alsoLazy) {
    var self = this, m = this.manifest;
    var wanted = m.facets.filter(function (f) { return !f.lazy || alsoLazy === f.name || self.members[f.name]; });
    return Promise.all(wanted.map(function (f) { return self.facet(f.name); })).then(function () {
      var out = {};
      m.facets.forEach(function (f) {
        if (!self.members[f.name]) { out[f.name] = null; return; }
        var c = new Array(f.values.length).fill(0);
        var byDoc = self.members[f.name];
        result.matched.forEach(function (id) {
          if (!self.passes(id, result.filters, f.name)) return;
          (byDoc.get(id) || []).forEach(function (v) { c[v]++; });
        });
        out[f.name] = c;
      });
      return out;
    });
  };

  // A document's passage k: its text "x" with the document's title, address, kind, metadata and (in passage 0)
  // summary. Every passage carries what a result shows, so a result loads one file; k comes from the postings.
  Engine.prototype.doc = function (id, k) {
    var self = this;
    if (!k) return this.file("d/" + id + "-0");
    return this.file("d/" + id + "-" + k).catch(function () { return self.file("d/" + id + "-0"); });
  };

  // The whole text of a document: title, summary and every passage.
  Engine.prototype.fullText = function (id) {
    var self = this;
    return this.doc(id, 0).then(function (d) {
      var parts = [d];
      for (var k = 1; k < d.c; k++) parts.push(self.file("d/" + id + "-" + k));
      return Promise.all(parts).then(function (p) {
        return d.t + "\n" + d.s + "\n" + p.map(function (x) { return x.x; }).join("\n");
      });
    });
  };

  // Keeps the documents whose text holds every quoted phrase (the best 200 candidates are checked).
  Engine.prototype.checkPhrases = function (result) {
    var self = this, phrases = result.parsed.phrases;
    if (phrases.length === 0 || result.empty) return Promise.resolve(result);
    var rank = new Map();
    result.ids.forEach(function (id, r) { rank.set(id, r); });
    var candidates = result.matched.slice().sort(function (a, b) {
      var ra = rank.has(a) ? rank.get(a) : Infinity, rb = rank.has(b) ? rank.get(b) : Infinity;
      return ra - rb || a - b;
    }).slice(0, 200);
    return Promise.all(candidates.map(function (id) { return self.fullText(id); })).then(function (texts) {
      var matched = candidates.filter(function (id, i) {
        var seq = tokens(texts[i]).map(function (t) { return self.stem(mainTerm(t)); });
        return phrases.every(function (p) { return containsRun(seq, p); });
      });
      var keep = new Set(matched);
      var ids = result.ids.filter(function (id) { return keep.has(id); });
      return Object.assign({}, result, { ids: ids, total: ids.length, matched: matched });
    });
  };

  function containsRun(seq, run) {
    outer: for (var i = 0; i + run.length <= seq.length; i++) {
      for (var j = 0; j < run.length; j++) if (seq[i + j] !== run[j]) continue outer;
      return true;
    }
    return false;
  }

  // Whether a token of a document matches the query: its stem is a query stem (or one a prefix expanded to).
  Engine.prototype.matcher = function (parsed) {
    var self = this, stems = new Set(), prefixes = [];
    parsed.groups.forEach(function (g) {
      (g.all || g.stems).forEach(function (s) { stems.add(s); });
      if (g.prefix) prefixes.push(g.prefix);
    });
    parsed.phrases.forEach(function (p) { p.forEach(function (s) { stems.add(s); }); });
    return function (tok) {
      var terms = tok.joined !== null ? [tok.joined].concat(tok.parts) : tok.parts;
      return terms.some(function (t) {
        return stems.has(self.stem(t)) || prefixes.some(function (p) { return t.startsWith(p); });
      });
    };
  };

  // Splits text into [{text, mark}] segments around the query's words; `around` limits it to the best passage.
  Engine.prototype.highlight = function (text, parsed, around) {
    var match = this.matcher(parsed);
    var toks = tokens(text);
    var hits = [];
    toks.forEach(function (t, i) { if (match(t)) hits.push(i); });
    var from = 0, to = text.length, lead = "", tail = "";
    if (around) {
      var best = hits.length ? hits[0] : 0, bestCount = 0;
      hits.forEach(function (h) {
        var count = hits.filter(function (x) { return x >= h && x < h + around; }).length;
        if (count > bestCount) { bestCount = count; best = h; }
      });
      var first = Math.max(0, best - Math.floor(around / 4));
      var last = Math.min(toks.length - 1, first + around - 1);
      if (toks.length) {
        from = toks[first].start;
        to = toks[last].end;
        if (first > 0) lead = "… ";
        if (last < toks.length - 1) tail = " …";
      }
    }
    var segs = [], pos = from;
    if (lead) segs.push({ text: lead, mark: false });
    hits.forEach(function (h) {
      var t = toks[h];
      if (t.start < from || t.end > to) return;
      if (t.start > pos) segs.push({ text: text.slice(pos, t.start).replace(/\s+/g, " "), mark: false });
      segs.push({ text: text.slice(t.start, t.end), mark: true });
      pos = t.end;
    });
    if (pos < to) segs.push({ text: text.slice(pos, to).replace(/\s+/g, " "), mark: false });
    if (tail) segs.push({ text: tail, mark: false });
    return segs;
  };

  var api = {
    Engine: Engine, fold: fold, tokens: tokens, makeStemmer: makeStemmer, fnv32: fnv32,
    readVarints: readVarints, decodeIds: decodeIds, parseQuery: parseQuery
  };
  global.DossierSearchEngine = api;

  // ---- The search page ----

  if (typeof document === "undefined" || !document.currentScript) return;
  var script = document.currentScript;
  var root = script.getAttribute("data-root") || "";
  var app = document.getElementById("search-app");
  if (!app) return;

  var registry = {};
  global.dossierSearch = function (name, data) { registry[name] = data; };
  function loadScript(name, version) {
    return new Promise(function (resolve, reject) {
      if (registry[name]) { resolve(registry[name]); return; }
      var el = document.createElement("script");
      el.src = root + "search/" + name + ".js" + (version ? "?v=" + version : "");
      el.async = true;
      el.onload = function () {
        el.remove();
        if (registry[name]) resolve(registry[name]); else reject(new Error("search data " + name + " is missing"));
      };
      el.onerror = function () { el.remove(); reject(new Error("cannot load search data " + name)); };
      document.head.appendChild(el);
    });
  }

  var engine = new Engine(loadScript);
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var filterBox = document.getElementById("search-filters");
  var more = document.getElementById("search-more");
  var PAGE = 10;
  var state = { q: "", filters: {} };
  var current = null, shown = 0, run = 0;
  app.hidden = false;

  function readUrl() {
    var p = new URLSearchParams(location.search);
    state.q = p.get("q") || "";
    state.filters = {};
    p.forEach(function (v, k) { if (k !== "q") (state.filters[k] = state.filters[k] || []).push(v); });
    input.value = state.q;
  }

  function writeUrl(push) {
    var p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    Object.keys(state.filters).forEach(function (k) { state.filters[k].forEach(function (v) { p.append(k, v); }); });
    var s = p.toString();
    var url = location.pathname + (s ? "?" + s : "") + location.hash;
    try {
      if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
    } catch (e) { /* some browsers refuse history changes on file:// */ }
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fill(parent, segs) {
    segs.forEach(function (s) { parent.appendChild(s.mark ? el("mark", null, s.text) : document.createTextNode(s.text)); });
  }

  function say(n) {
    var ui = engine.manifest.ui;
    status.textContent = n === 0 ? ui.none : n === 1 ? ui.one : ui.results.replace("{n}", n.toLocaleString(document.documentElement.lang || undefined));
  }

  function renderFilters(result, counts) {
    var m = engine.manifest;
    // The filters fold away on narrow screens, so results come first; the reader's choice is kept.
    var wasOpen = filterBox.firstChild ? filterBox.firstChild.open : !global.matchMedia("(max-width: 48rem)").matches;
    filterBox.textContent = "";
    var details = el("details", "facets");
    details.open = wasOpen;
    var summary = el("summary");
    var heading = el("h2", null, m.ui.filters);
    heading.id = "search-filters-heading";
    summary.appendChild(heading);
    details.appendChild(summary);
    filterBox.appendChild(details);
    m.facets.forEach(function (f) {
      var count = counts[f.name];
      var chosen = state.filters[f.name] || [];
      var box = el("fieldset", "facet facet-" + f.name);
      var legend = el("legend", null, f.label);
      box.appendChild(legend);
      if (!count) {
        var load = el("button", "facet-load", f.label + " …");
        load.type = "button";
        load.addEventListener("click", function () {
          var mine = run;
          engine.counts(result, f.name).then(function (c) { if (mine === run) renderFilters(result, c); });
        });
        box.appendChild(load);
        details.appendChild(box);
        return;
      }
      var rows = f.values.map(function (v, i) { return { key: v[0], label: v[1], count: count[i], i: i }; })
        .filter(function (r) { return r.count > 0 || chosen.indexOf(r.key) >= 0; });
      if (f.name === "organisation" || f.name === "topic") rows.sort(function (a, b) { return b.count - a.count || a.i - b.i; });
      if (rows.length === 0) return;
      var ul = el("ul");
      rows.slice(0, f.name === "organisation" ? 25 : 100).forEach(function (r) {
        var li = el("li");
        var label = el("label");
        var cb = el("input");
        cb.type = "checkbox";
        cb.name = f.name;
        cb.value = r.key;
        cb.checked = chosen.indexOf(r.key) >= 0;
        cb.addEventListener("change", function () {
          var set = (state.filters[f.name] || []).filter(function (k) { return k !== r.key; });
          if (cb.checked) set.push(r.key);
          if (set.length) state.filters[f.name] = set; else delete state.filters[f.name];
          writeUrl(true);
          update();
        });
        label.appendChild(cb);
        label.appendChild(document.createTextNode(" " + r.label + " "));
        label.appendChild(el("span", "count", "(" + r.count + ")"));
        li.appendChild(label);
        ul.appendChild(li);
      });
      box.appendChild(ul);
      details.appendChild(box);
    });
    if (Object.keys(state.filters).length) {
      var clear = el("button", "facet-clear", m.ui.clear);
      clear.type = "button";
      clear.addEventListener("click", function () { state.filters = {}; writeUrl(true); update(); });
      details.appendChild(clear);
    }
  }

  function showMore(mine) {
    var m = engine.manifest, r = current;
    var ids = r.ids.slice(shown, shown + PAGE);
    shown += ids.length;
    more.hidden = shown >= r.ids.length;
    return Promise.all(ids.map(function (id) { return engine.doc(id, r.passage.get(id) || 0); })).then(function (docs) {
      if (mine !== run) return;
      docs.forEach(function (d) {
        var li = el("li", "result kind-" + m.facets[0].values[d.k][0]);
        var h = el("h3");
        var a = el("a");
        a.href = root + d.u;
        fill(a, engine.highlight(d.t, r.parsed, 0));
        h.appendChild(a);
        li.appendChild(h);
        var meta = el("p", "result-meta");
        meta.appendChild(el("span", "result-kind", m.facets[0].values[d.k][1]));
        if (d.m) meta.appendChild(document.createTextNode(" · " + d.m));
        li.appendChild(meta);
        var text = (d.s ? d.s + "\n" : "") + d.x;
        if (text.trim()) {
          var p = el("p", "result-snippet");
          p.lang = d.l;
          fill(p, engine.highlight(text, r.parsed, 32));
          li.appendChild(p);
        }
        list.appendChild(li);
      });
    });
  }

  // Filter counts over the whole archive, from the manifest, for the page before any query.
  function totals() {
    var out = {};
    engine.manifest.facets.forEach(function (f) { out[f.name] = f.lazy ? null : f.values.map(function (v) { return v[2]; }); });
    return out;
  }

  function update() {
    var mine = ++run;
    status.textContent = engine.manifest ? engine.manifest.ui.loading : "";
    return engine.search(state.q, state.filters).then(function (r) {
      return engine.checkPhrases(r);
    }).then(function (r) {
      if (mine !== run) return;
      current = r;
      shown = 0;
      list.textContent = "";
      if (r.empty) {
        renderFilters(r, totals());
        status.textContent = "";
        more.hidden = true;
        return;
      }
      say(r.total);
      // Results first; the facet lists for the filter counts are fetched after them.
      return showMore(mine).then(function () {
        if (mine !== run) return;
        return engine.counts(r).then(function (c) { if (mine === run) renderFilters(r, c); });
      });
    }).catch(function (e) {
      if (mine === run) status.textContent = String(e.message || e);
    });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.q = input.value; writeUrl(false); update(); }, 120);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(timer);
    state.q = input.value;
    writeUrl(true);
    update();
  });
  more.addEventListener("click", function () { showMore(run); });
  global.addEventListener("popstate", function () { readUrl(); update(); });

  readUrl();
  update();
})(typeof globalThis !== "undefined" ? globalThis : this);
