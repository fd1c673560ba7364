//! The client-side search index, built from the model (never from rendered HTML) and written as JavaScript data
//! files under `search/`, which the browser loads with `<script>` tags, so search works over HTTP and from
//! `file://` alike. The browser side is `themes/default/static/search.js`; both follow the rules below, and a change
//! to one must be made to the other.
//!
//! Layout of `search/`:
//! - `manifest.js`: document count, the number of term shards, facet values with their labels, UI words.
//! - `t/<i>.js`: term shard `i`. A term lives in shard `bucket(term) % shards`, where `bucket` hashes the term's first
//!   three characters, so every word form sharing those characters (a stem and all its forms, every completion of
//!   a three-letter prefix) is in one shard. A shard maps stems to postings and word forms to their stems.
//! - `facets.js`: for each facet value but organisations, the documents having it; `facet-organisation.js` the same
//!   for organisations, loaded only when that filter is used.
//! - `d/<id>.js`: one document: title, address, kind, a line of metadata, summary and plain text for snippets and
//!   phrase checks.
//!
//! Documents are numbered reports first (newest first), then organisations, then sources (newest first), so an
//! empty query lists reports newest first by number alone. Editing a report changes its document file, the shards
//! of its words, `facets.js` and the manifest's statistics; every other file stays byte-identical.
//!
//! Matching: words are lower-cased and folded (ä → ae, ß → ss, é → e), reduced to a stem by a light suffix
//! stripper shared by German and English, and scored with BM25 over weighted fields (title and id above headings,
//! headings above summary, body text last). Scores are computed here, so the browser only adds numbers.

use crate::model::Site;
use crate::render::{OutData, OutFile};
use crate::text::language_name;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Target size of one term shard, in bytes of postings.
const SHARD_TARGET: usize = 24_000;
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Scores are stored as integers: `round(score * SCALE)`.
const SCALE: f64 = 16.0;

/// Field weights: how much one occurrence in a field counts towards a term's frequency.
const W_TITLE: u32 = 8;
const W_ID: u32 = 8;
const W_HEADING: u32 = 4;
const W_SUMMARY: u32 = 3;
const W_TERMS: u32 = 3;
const W_NAMES: u32 = 2;
/// Body text counts 2, so half weights stay whole numbers.
const W_BODY: u32 = 2;

/// Words too common to index. Quoted phrases still match them, checked against the document text.
const STOPWORDS: &[&str] = &[
    "a", "als", "am", "an", "and", "are", "as", "at", "auf", "aus", "be", "bei", "by", "das", "dass", "dem", "den",
    "der", "des", "die", "ein", "eine", "einem", "einen", "einer", "eines", "es", "for", "from", "fuer", "im", "in",
    "is", "ist", "it", "its", "mit", "nach", "oder", "of", "on", "or", "sich", "sind", "that", "the", "this", "to",
    "und", "vom", "von", "was", "were", "wird", "with", "wurde", "wurden", "zu", "zum", "zur",
];

/// Suffixes the stemmer strips, longest first; at most two are stripped and a stem keeps at least four letters.
const SUFFIXES: &[&str] = &[
    "erinnen", "heiten", "keiten", "innen", "ungen", "ung", "ing", "ern", "ies", "en", "er", "es", "em", "ed", "e",
    "s", "n",
];
const MIN_STEM: usize = 4;

/// Lower-cases and folds one word: umlauts to two letters, other accents dropped.
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' | 'æ' => out.push_str("ae"),
            'ö' | 'œ' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
            'ç' | 'ć' | 'č' => out.push('c'),
            'ď' | 'đ' => out.push('d'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => out.push('e'),
            'ğ' => out.push('g'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => out.push('i'),
            'ł' => out.push('l'),
            'ñ' | 'ń' | 'ň' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ō' | 'ő' => out.push('o'),
            'ř' => out.push('r'),
            'ś' | 'š' | 'ş' | 'ș' => out.push('s'),
            'ť' | 'ț' => out.push('t'),
            'ù' | 'ú' | 'û' | 'ů' | 'ū' | 'ű' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            'ё' => out.push('е'),
            _ => out.push(c),
        }
    }
    out
}

/// Characters that join parts of one token and stay in its joined form: `CAT/C/KAZ/CO/4`, `a-12321-4`, `1.500`.
fn keeps(c: char) -> bool {
    matches!(c, '-' | '/' | '.' | '\u{2011}')
}

/// Characters that join parts of one word and vanish from its joined form: `Expert·innen`, `Expert*innen`.
fn vanishes(c: char) -> bool {
    matches!(c, '·' | '*' | ':' | '_' | '\'' | '\u{2019}' | '\u{ad}' | '\u{200b}')
}

/// One token of text: its parts, folded, and for a joined token its joined form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub parts: Vec<String>,
    pub joined: Option<String>,
}

impl Token {
    /// Every term the token is indexed (and searched) under: its joined form and its parts.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.joined.iter().map(String::as_str).chain(self.parts.iter().map(String::as_str))
    }
}

/// Splits text into tokens. A joiner counts only between two letters or digits.
pub fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_alphanumeric() {
            i += 1;
            continue;
        }
        let mut parts = Vec::new();
        let mut joined = String::new();
        let mut part = String::new();
        let mut any_joiner = false;
        loop {
            while i < chars.len() && chars[i].is_alphanumeric() {
                part.push(chars[i]);
                i += 1;
            }
            let joiner =
                i + 1 < chars.len() && (keeps(chars[i]) || vanishes(chars[i])) && chars[i + 1].is_alphanumeric();
            let folded = fold(&part);
            joined.push_str(&folded);
            parts.push(folded);
            part.clear();
            if !joiner {
                break;
            }
            any_joiner = true;
            if keeps(chars[i]) {
                joined.push(if chars[i] == '\u{2011}' { '-' } else { chars[i] });
            }
            i += 1;
        }
        out.push(if any_joiner { Token { parts, joined: Some(joined) } } else { Token { parts, joined: None } });
    }
    out
}

/// The stem of a folded term. Terms with digits or joiners, and short ones, are their own stem.
pub fn stem(term: &str) -> String {
    if !term.chars().all(char::is_alphabetic) {
        return term.to_string();
    }
    let mut s = term.to_string();
    for _ in 0..2 {
        let n = s.chars().count();
        let Some(suf) = SUFFIXES.iter().find(|suf| s.ends_with(*suf) && n - suf.chars().count() >= MIN_STEM) else {
            break;
        };
        s.truncate(s.len() - suf.len());
    }
    s
}

pub fn is_stopword(term: &str) -> bool {
    STOPWORDS.binary_search(&term).is_ok()
}

/// FNV-1a over the first three characters' code points: the shard bucket of a term.
pub fn bucket(term: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for c in term.chars().take(3) {
        h ^= c as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

const DIGITS: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/// Appends `v` as a variable-length number: five bits per character, the sixth bit marking that more follow.
pub fn push_varint(out: &mut String, mut v: u32) {
    while v >= 32 {
        out.push(DIGITS[(32 | (v & 31)) as usize] as char);
        v >>= 5;
    }
    out.push(DIGITS[v as usize] as char);
}

/// Document numbers as gaps: `[3, 4, 9]` → 3, 0, 4 (each gap minus one after the first).
fn encode_ids(ids: &[u32]) -> String {
    let mut s = String::new();
    let mut prev: Option<u32> = None;
    for &id in ids {
        push_varint(&mut s, prev.map_or(id, |p| id - p - 1));
        prev = Some(id);
    }
    s
}

/// A searchable document with its weighted term frequencies.
struct Doc {
    kind: usize,
    title: String,
    path: String,
    meta: String,
    summary: String,
    text: String,
    lang: String,
    /// stem → weighted frequency
    tf: HashMap<String, u32>,
    /// word form → stem, for forms that differ from their stem
    forms: HashMap<String, String>,
    length: u32,
    facets: Vec<(usize, usize)>,
}

impl Doc {
    fn new(kind: usize, title: &str, path: &str, lang: &str) -> Doc {
        Doc {
            kind,
            title: title.to_string(),
            path: path.to_string(),
            meta: String::new(),
            summary: String::new(),
            text: String::new(),
            lang: lang.to_string(),
            tf: HashMap::new(),
            forms: HashMap::new(),
            length: 0,
            facets: vec![(KIND, kind)],
        }
    }

    /// Adds every term of `text` with weight `w`.
    fn add(&mut self, text: &str, w: u32) {
        for t in tokens(text) {
            for term in t.terms() {
                if is_stopword(term) {
                    continue;
                }
                let s = stem(term);
                if s != term && !self.forms.contains_key(term) {
                    self.forms.insert(term.to_string(), s.clone());
                }
                *self.tf.entry(s).or_default() += w;
            }
            self.length += 1;
        }
    }
}

/// Facets, in the order the manifest lists them.
const KIND: usize = 0;
const COUNTRY: usize = 1;
const TOPIC: usize = 2;
const YEAR: usize = 3;
const LANGUAGE: usize = 4;
const ORGANISATION: usize = 5;
const FACETS: [&str; 6] = ["kind", "country", "topic", "year", "language", "organisation"];

/// Builds every file of `search/`.
pub fn build(site: &Site) -> Vec<OutFile> {
    let w = &site.ui.words;
    let ui = site.ui;
    // Facet values: (key, label) per facet; year and language values are collected as they come.
    let mut values: Vec<Vec<(String, String)>> = vec![Vec::new(); FACETS.len()];
    values[KIND] = vec![
        ("report".into(), w.kind_report.into()),
        ("organisation".into(), w.kind_organisation.into()),
        ("source".into(), w.kind_source.into()),
    ];
    values[COUNTRY] = site.countries.iter().map(|t| (t.slug.clone(), t.name.clone())).collect();
    values[TOPIC] = site.topics.iter().map(|t| (t.slug.clone(), t.name.clone())).collect();
    values[ORGANISATION] = site.organisations.iter().map(|o| (o.slug.clone(), o.name.clone())).collect();
    let mut years: BTreeMap<i32, usize> = BTreeMap::new();
    let mut langs: BTreeMap<String, usize> = BTreeMap::new();
    for r in &site.reports {
        years.insert(r.date.year, 0);
        langs.insert(r.language.clone(), 0);
    }
    for s in &site.sources {
        years.insert(s.date.year, 0);
        if let Some(l) = &s.language {
            langs.insert(l.clone(), 0);
        }
    }
    for (i, (y, slot)) in years.iter_mut().rev().enumerate() {
        *slot = i;
        values[YEAR].push((y.to_string(), y.to_string()));
    }
    for (i, (l, slot)) in langs.iter_mut().enumerate() {
        *slot = i;
        values[LANGUAGE].push((l.clone(), language_name(l, ui)));
    }

    let mut sources_by_date: Vec<usize> = (0..site.sources.len()).collect();
    sources_by_date.sort_by(|&a, &b| site.sources[b].date.cmp(&site.sources[a].date).then(a.cmp(&b)));

    let report_docs = site.reports.par_iter().map(|r| {
        let mut d = Doc::new(0, &r.title, &r.path, &r.language);
        d.add(&r.title, W_TITLE);
        d.add(&r.id, W_ID);
        for h in &r.toc {
            d.add(&h.text, W_HEADING);
        }
        if let Some(s) = &r.summary {
            d.add(s, W_SUMMARY);
            d.summary = s.clone();
        }
        let names: Vec<&str> = r
            .countries
            .iter()
            .map(|&c| site.countries[c].name_in(&r.language))
            .chain(r.topics.iter().map(|&t| site.topics[t].name_in(&r.language)))
            .collect();
        for n in &names {
            d.add(n, W_TERMS);
        }
        for &o in &r.organisations {
            let org = &site.organisations[o];
            d.add(&org.name, W_NAMES);
            if let Some(s) = &org.short {
                d.add(s, W_NAMES);
            }
        }
        for b in &r.bibliography {
            d.add(&site.sources[b.source].title, W_BODY / 2);
        }
        d.add(&r.text, W_BODY);
        d.text = r.text.clone();
        let mut meta = vec![r.id.clone(), r.locale.date(&r.date)];
        meta.extend(names.iter().take(r.countries.len()).map(|s| s.to_string()));
        d.meta = meta.join(" · ");
        d.facets.extend(r.countries.iter().map(|&c| (COUNTRY, c)));
        d.facets.extend(r.topics.iter().map(|&t| (TOPIC, t)));
        d.facets.push((YEAR, years[&r.date.year]));
        d.facets.push((LANGUAGE, langs[&r.language]));
        d.facets.extend(r.organisations.iter().map(|&o| (ORGANISATION, o)));
        d
    });
    let org_docs = site.organisations.par_iter().enumerate().map(|(oi, o)| {
        let mut d = Doc::new(1, &o.name, &o.path, &site.config.language);
        d.add(&o.name, W_TITLE);
        if let Some(s) = &o.short {
            d.add(s, W_TITLE);
        }
        for a in &o.aliases {
            d.add(a, W_HEADING);
        }
        let description = o
            .description
            .get(&site.config.language)
            .or_else(|| o.description.values().next())
            .cloned()
            .unwrap_or_default();
        for text in o.description.values() {
            d.add(text, W_BODY);
        }
        if let Some(seat) = &o.seat {
            d.add(seat, W_BODY);
        }
        d.meta = [Some(w.kind_organisation.to_string()), o.short.clone(), o.seat.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        d.text = description;
        d.facets.push((ORGANISATION, oi));
        d
    });
    let source_docs = sources_by_date.par_iter().map(|&si| {
        let s = &site.sources[si];
        let org = &site.organisations[s.organisation];
        let mut d = Doc::new(2, &s.title, &s.path, s.language.as_deref().unwrap_or(&site.config.language));
        d.add(&s.title, W_TITLE);
        d.add(&s.key, W_ID);
        for x in [&s.label, &s.symbol].into_iter().flatten() {
            d.add(x, W_ID);
        }
        d.add(&org.name, W_NAMES);
        if let Some(short) = &org.short {
            d.add(short, W_NAMES);
        }
        let mut text = String::new();
        for &(r, g, e, x) in &s.excerpts {
            let ex = &site.reports[r].appendix[g].entries[e].excerpts[x];
            let plain = strip_tags(&ex.html);
            text.push_str(plain.trim());
            text.push('\n');
        }
        d.add(&text, W_BODY);
        d.text = text;
        d.meta =
            [Some(org.short.clone().unwrap_or_else(|| org.name.clone())), Some(ui.date(&s.date)), s.symbol.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
        d.facets.push((YEAR, years[&s.date.year]));
        if let Some(l) = &s.language {
            d.facets.push((LANGUAGE, langs[l]));
        }
        d.facets.push((ORGANISATION, s.organisation));
        d
    });
    let mut docs: Vec<Doc> = report_docs.collect();
    docs.extend(org_docs.collect::<Vec<_>>());
    docs.extend(source_docs.collect::<Vec<_>>());

    let mut out = Vec::new();
    let n = docs.len();
    // Lengths are normalised within each kind, so a short organisation profile does not outrank a report that
    // treats the word at length.
    let mut avg = [0.0f64; 3];
    let mut per_kind = [0usize; 3];
    for d in &docs {
        avg[d.kind] += d.length as f64;
        per_kind[d.kind] += 1;
    }
    for k in 0..3 {
        avg[k] = (avg[k] / per_kind[k].max(1) as f64).max(1.0);
    }

    // Postings: stem → [(doc, weighted tf)], and all word forms.
    let mut postings: HashMap<&str, Vec<(u32, u32)>> = HashMap::new();
    let mut forms: HashMap<&str, &str> = HashMap::new();
    for (id, d) in docs.iter().enumerate() {
        for (s, &tf) in &d.tf {
            postings.entry(s.as_str()).or_default().push((id as u32, tf));
        }
        for (f, s) in &d.forms {
            forms.insert(f.as_str(), s.as_str());
        }
    }
    let mut encoded: Vec<(&str, String)> = postings
        .into_par_iter()
        .map(|(term, mut list)| {
            list.sort_unstable();
            let df = list.len() as f64;
            let idf = (1.0 + (n as f64 - df + 0.5) / (df + 0.5)).ln();
            let mut s = String::new();
            let mut prev: Option<u32> = None;
            for (id, tf) in list {
                let tf = tf as f64 / W_BODY as f64;
                let doc = &docs[id as usize];
                let dl = doc.length as f64;
                let score = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * dl / avg[doc.kind]));
                push_varint(&mut s, prev.map_or(id, |p| id - p - 1));
                push_varint(&mut s, ((score * SCALE).round() as u32).max(1));
                prev = Some(id);
            }
            (term, s)
        })
        .collect();
    encoded.sort_unstable();
    let total: usize = encoded.iter().map(|(t, p)| t.len() + p.len() + 6).sum();
    let shards = total.div_ceil(SHARD_TARGET).max(1).next_power_of_two();
    let mut shard_terms: Vec<BTreeMap<&str, &str>> = vec![BTreeMap::new(); shards];
    let mut shard_forms: Vec<BTreeMap<&str, &str>> = vec![BTreeMap::new(); shards];
    for (t, p) in &encoded {
        shard_terms[bucket(t) as usize % shards].insert(t, p);
    }
    for (f, s) in forms {
        shard_forms[bucket(f) as usize % shards].insert(f, s);
    }
    let shard_files: Vec<OutFile> = (0..shards)
        .into_par_iter()
        .map(|i| {
            let data = json!({"p": shard_terms[i], "f": shard_forms[i]});
            data_file(&format!("t/{i}"), &data)
        })
        .collect();
    out.extend(shard_files);

    // Facets: per value, its documents.
    let mut members: Vec<Vec<Vec<u32>>> = values.iter().map(|v| vec![Vec::new(); v.len()]).collect();
    for (id, d) in docs.iter().enumerate() {
        for &(f, v) in &d.facets {
            members[f][v].push(id as u32);
        }
    }
    let encode_facet =
        |f: usize| -> Value { Value::from(members[f].iter().map(|ids| encode_ids(ids)).collect::<Vec<_>>()) };
    let mut facets = serde_json::Map::new();
    for f in [KIND, COUNTRY, TOPIC, YEAR, LANGUAGE] {
        facets.insert(FACETS[f].to_string(), encode_facet(f));
    }
    out.push(data_file("facets", &Value::Object(facets)));
    out.push(data_file("facet-organisation", &json!({"organisation": encode_facet(ORGANISATION)})));

    // Changes with any shard or facet; added to every data file's address so browsers never mix two builds.
    let version = {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for f in &out {
            if let OutData::Text(t) = &f.data {
                for b in t.bytes() {
                    h ^= b as u64;
                    h = h.wrapping_mul(0x100_0000_01b3);
                }
            }
        }
        format!("{h:016x}")
    };

    let doc_files: Vec<OutFile> = docs
        .par_iter()
        .enumerate()
        .map(|(id, d)| {
            data_file(
                &format!("d/{id}"),
                &json!({"k": d.kind, "t": d.title, "u": d.path, "m": d.meta, "s": d.summary, "x": d.text, "l": d.lang}),
            )
        })
        .collect();
    out.extend(doc_files);

    // The manifest names every facet with its values, counted over all documents.
    let facet_list: Vec<Value> = FACETS
        .iter()
        .enumerate()
        .map(|(f, name)| {
            let label = match f {
                KIND => w.search_type,
                COUNTRY => w.countries,
                TOPIC => w.topics,
                YEAR => w.years,
                LANGUAGE => w.languages,
                _ => w.organisations,
            };
            let vals: Vec<Value> =
                values[f].iter().zip(&members[f]).map(|((key, name), ids)| json!([key, name, ids.len()])).collect();
            json!({"name": name, "label": label, "values": vals, "lazy": f == ORGANISATION})
        })
        .collect();
    let manifest = json!({
        "version": version,
        "docs": n,
        "reports": site.reports.len(),
        "shards": shards,
        "facets": facet_list,
        "stopwords": STOPWORDS,
        "suffixes": SUFFIXES,
        "min_stem": MIN_STEM,
        "portable": site.portable,
        "ui": {
            "results": w.search_results, "one": w.search_one_result, "none": w.search_no_results,
            "more": w.search_more, "clear": w.search_clear, "filters": w.search_filters,
            "loading": w.search_loading,
        },
    });
    out.push(data_file("manifest", &manifest));
    out
}

/// A data file: one call of the loader's global function, which script tags can run from any origin.
fn data_file(name: &str, data: &Value) -> OutFile {
    let mut s = String::with_capacity(64);
    let _ = write!(s, "dossierSearch({},{});\n", Value::from(name), data);
    // `</script>` cannot appear in JSON text that the browser parses as a script file, but a `<!--` could confuse
    // old parsers; escape `<` everywhere, which JSON allows.
    let s = s.replace('<', "\\u003c");
    OutFile { path: format!("search/{name}.js"), data: OutData::Text(s) }
}

/// Text of an HTML fragment, with tags removed and the few entities comrak writes decoded.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&quot;", "\"").replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(text: &str) -> Vec<String> {
        tokens(text).iter().map(|t| t.joined.clone().unwrap_or_else(|| t.parts.join(""))).collect()
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Überwachung"), "ueberwachung");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Ueberwachung"), fold("Überwachung"));
        assert_eq!(fold("Présidence"), "presidence");
        assert_eq!(fold("ÄÖÜ"), "aeoeue");
        assert_eq!(fold("Казахстан"), "казахстан");
    }

    #[test]
    fn tokenises_joined_words_and_identifiers() {
        assert_eq!(joined("Expert·innen und Expert*innen"), ["expertinnen", "und", "expertinnen"]);
        assert_eq!(joined("(CAT/C/KAZ/CO/4)"), ["cat/c/kaz/co/4"]);
        assert_eq!(joined("Anfrage a-12321-4."), ["anfrage", "a-12321-4"]);
        assert_eq!(joined("S. 6, 1.500 Personen"), ["s", "6", "1.500", "personen"]);
        let t = &tokens("CAT/C/KAZ/CO/4")[0];
        assert_eq!(t.parts, ["cat", "c", "kaz", "co", "4"]);
        assert_eq!(t.terms().collect::<Vec<_>>(), ["cat/c/kaz/co/4", "cat", "c", "kaz", "co", "4"]);
        // A joiner at the edge of a word is punctuation.
        assert_eq!(joined("- Polizei/ -Folter-"), ["polizei", "folter"]);
    }

    #[test]
    fn stems_word_forms_together() {
        for (a, b) in [
            ("folter", "folterung"),
            ("folter", "foltern"),
            ("menschenrechte", "menschenrechten"),
            ("torture", "tortured"),
            ("tortures", "torture"),
            ("policies", "police"),
            ("journalisten", "journalist"),
            ("kasachstans", "kasachstan"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        assert_eq!(stem("cat/c/kaz/co/4"), "cat/c/kaz/co/4");
        assert_eq!(stem("2024"), "2024");
        // Short words stay whole, and a stem keeps the first three letters of its word.
        assert_eq!(stem("haus"), "haus");
        for w in ["folterung", "expertinnen", "berichten", "ages"] {
            assert!(w.starts_with(&stem(w)[..3.min(stem(w).len())]));
            assert_eq!(bucket(w), bucket(&stem(w)), "{w}");
        }
    }

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        let mut sorted = STOPWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOPWORDS);
        assert!(is_stopword("der") && is_stopword("the") && !is_stopword("folter"));
    }

    #[test]
    fn varints_and_gaps() {
        let mut s = String::new();
        for v in [0, 31, 32, 1000, 70_000] {
            push_varint(&mut s, v);
        }
        assert_eq!(s, "0VW1eVmha2");
        assert_eq!(encode_ids(&[3, 4, 9]), "304");
    }

    #[test]
    fn strips_tags_and_entities() {
        assert_eq!(strip_tags("<p>a &amp; <em>b</em></p>").trim(), "a &  b");
    }
}
