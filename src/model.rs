//! Stage 2, model: the one data model of a site. Turns loaded content into reports,
//! sources, organisations, pages and taxonomies; resolves every citation and backlink;
//! and does all validation, pushing findings with file positions into `Diagnostics`.
//!
//! Everything a template shows is computed here (citation texts, source-list entries,
//! dates in the report's language); the render stage only lays it out.

use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, suggest};
use crate::load::{Content, Doc, ReportMeta, SourceMeta, StaticFile, Template, Yaml};
use crate::markdown::{self, CiteItem, Converted, Heading, MdOptions};
use crate::text::{Date, Locale, language_name, slugify, sort_key};
use crate::yaml::Text;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How the model is built.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub include_drafts: bool,
    /// Links end in `index.html`, so the site can be browsed from a folder.
    pub portable: bool,
    /// Overrides `base_url` of site.toml.
    pub base_url: Option<String>,
    /// Validate only (`dossier check`): reports get no HTML or plain text.
    pub validate_only: bool,
    /// The day the pages are made on (the access date "Cite this report" offers without JavaScript); today when
    /// not set. `dossier build` takes it from `SOURCE_DATE_EPOCH`, so that a build can be repeated byte for byte.
    pub day: Option<Date>,
}

/// A site's model. Reports and sources are shared, so that a copy of the model with a few of them changed
/// (see [`patch`]) costs little.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: Config,
    pub ui: &'static Locale,
    pub portable: bool,
    pub reports: Vec<Arc<Report>>,
    pub organisations: Vec<Organisation>,
    pub sources: Vec<Arc<Source>>,
    /// Sources by key.
    pub source_index: Arc<HashMap<String, usize>>,
    /// Sort keys of every source's label and title, for source lists.
    pub source_keys: Arc<Vec<(String, String)>>,
    pub pages: Vec<Page>,
    pub countries: Vec<Term>,
    pub topics: Vec<Term>,
    pub years: Vec<Term>,
    pub languages: Vec<Term>,
    /// Disclaimer per language tag.
    pub disclaimers: BTreeMap<String, Disclaimer>,
    pub templates: Vec<Template>,
    pub statics: Vec<StaticFile>,
    /// The day the pages are made on (see [`Options::day`]).
    pub day: Date,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub id: String,
    pub title: String,
    pub date: Date,
    pub language: String,
    pub locale: &'static Locale,
    pub kind: Option<String>,
    pub summary: Option<String>,
    pub countries: Vec<usize>,
    pub topics: Vec<usize>,
    pub year: usize,
    pub language_term: usize,
    pub file: PathBuf,
    pub path: String,
    /// Body HTML with citation marks (see `markdown::MARK_OPEN`).
    pub html: Packed,
    /// Plain text of the body, for the search index.
    pub text: Packed,
    pub toc: Vec<Heading>,
    /// Resolved citations; mark `n` in `html` is `citations[n]`.
    pub citations: Vec<Citation>,
    pub bibliography: Vec<BibEntry>,
    /// "Zugriff auf alle Quellen am …" when every cited source was accessed the same day.
    pub accessed_all: Option<String>,
    pub appendix: Vec<AppendixGroup>,
    /// Organisations of the cited sources, by name.
    pub organisations: Vec<usize>,
    pub draft: bool,
    /// A fingerprint of the front matter that places the report among the others (see [`outline`]).
    pub outline: u64,
}

/// Text of a report the model holds to the end of a build (its body HTML and plain text). In a large archive it is
/// kept compressed with lz4: the two are most of a report's size, and an archive of 100,000 reports would otherwise
/// hold about 3 GB of them. In a smaller one (see [`PACK_ABOVE`]) it stays as it is, which saves compressing and
/// unpacking every text (7 % of a build's instructions at 500 reports). `dossier build` takes the HTML out once the
/// report's page is made (see [`Packed::take`]).
#[derive(Default)]
pub struct Packed(std::sync::Mutex<Held>);

#[derive(Clone)]
enum Held {
    Plain(Arc<str>),
    Lz4(Arc<[u8]>),
}

impl Default for Held {
    fn default() -> Held {
        Held::Plain(Arc::from(""))
    }
}

/// Report bodies (bytes of Markdown, all reports together) above which their HTML and text are held compressed:
/// below, the uncompressed texts take a few hundred megabytes at most. `DOSSIER_PACK_ABOVE` sets another limit
/// (tests use it to cover both ways on a small site).
pub const PACK_ABOVE: usize = 256 << 20;

fn pack_above() -> usize {
    std::env::var("DOSSIER_PACK_ABOVE").ok().and_then(|v| v.parse().ok()).unwrap_or(PACK_ABOVE)
}

impl Packed {
    pub fn new(text: Arc<str>, compress: bool) -> Packed {
        let held = if compress && !text.is_empty() {
            Held::Lz4(lz4_flex::compress_prepend_size(text.as_bytes()).into())
        } else {
            Held::Plain(text)
        };
        Packed(std::sync::Mutex::new(held))
    }

    fn unpack(held: Held) -> Unpacked {
        match held {
            Held::Plain(text) => Unpacked::Shared(text),
            Held::Lz4(bytes) => {
                let raw = lz4_flex::decompress_size_prepended(&bytes).expect("packed by Packed::new");
                debug_assert!(std::str::from_utf8(&raw).is_ok());
                // SAFETY: `bytes` are private to this type and were made by `Packed::new` from a `str`; lz4 gives
                // those bytes back unchanged. (Checking them again took 1.2 % of a 100,000-report build.)
                Unpacked::Owned(unsafe { String::from_utf8_unchecked(raw) })
            }
        }
    }

    /// Whether the text is held compressed.
    pub fn is_compressed(&self) -> bool {
        matches!(*self.0.lock().unwrap_or_else(|e| e.into_inner()), Held::Lz4(_))
    }

    /// The text (empty once taken).
    pub fn get(&self) -> Unpacked {
        let held = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Packed::unpack(held)
    }

    /// The text, leaving it empty.
    pub fn take(&self) -> Unpacked {
        let held = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        Packed::unpack(held)
    }
}

/// A text out of a [`Packed`]: shared with it when it was held as it is (no copy), else unpacked.
pub enum Unpacked {
    Shared(Arc<str>),
    Owned(String),
}

impl Default for Unpacked {
    fn default() -> Unpacked {
        Unpacked::Owned(String::new())
    }
}

impl From<String> for Unpacked {
    fn from(text: String) -> Unpacked {
        Unpacked::Owned(text)
    }
}

impl std::ops::Deref for Unpacked {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Unpacked::Shared(text) => text,
            Unpacked::Owned(text) => text,
        }
    }
}

impl Clone for Packed {
    fn clone(&self) -> Packed {
        Packed(std::sync::Mutex::new(self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()))
    }
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            Held::Plain(t) => write!(f, "Packed({} bytes)", t.len()),
            Held::Lz4(b) => write!(f, "Packed({} bytes, lz4)", b.len()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Citation {
    pub items: Vec<CitedItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CitedItem {
    pub prefix: String,
    /// `None` only for unknown keys, which are errors.
    pub source: Option<usize>,
    /// "Bertelsmann Stiftung, 19. März 2024"; one string for all of a report's citations of a source.
    pub text: Arc<str>,
    /// "S. 6" with a no-break space, or empty.
    pub locator: String,
}

/// An entry of a report's source list. Its texts are made when its page is: a large archive has millions of
/// entries, and most of their text is the same from one report to the next.
#[derive(Debug, Clone)]
pub struct BibEntry {
    pub source: usize,
    /// The day the source was accessed for this report, whether or not it is shown per entry.
    pub accessed_on: Option<Date>,
    /// The download date, for datasets.
    pub downloaded_on: Option<Date>,
}

impl BibEntry {
    /// "USDOS – US Department of State: 2023 Country Report …, 23. April 2024", in the report's language.
    pub fn text(&self, site: &Site, report: &Report) -> String {
        let (src, locale) = (&site.sources[self.source], report.locale);
        let when = match &self.downloaded_on {
            Some(d) => locale.with_date(locale.words.downloaded, d),
            None => locale.date(&src.date),
        };
        format!("{}, {when}", src.reference(&site.organisations))
    }

    /// "Zugriff am …", shown per entry when the report's sources were not all accessed the same day.
    pub fn accessed(&self, report: &Report) -> Option<String> {
        let locale = report.locale;
        match report.accessed_all {
            Some(_) => None,
            None => self.accessed_on.map(|d| locale.with_date(locale.words.accessed_one, &d)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AppendixGroup {
    pub organisation: usize,
    pub description: Option<String>,
    pub entries: Vec<AppendixEntry>,
}

#[derive(Debug, Clone)]
pub struct AppendixEntry {
    /// Index into the report's bibliography.
    pub bib: usize,
    pub excerpts: Vec<Excerpt>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Excerpt {
    pub source: usize,
    pub locator: String,
    /// HTML of the quoted text (may hold citation marks).
    pub html: String,
    /// Plain text of the quoted text, for the search index.
    pub text: String,
    /// "(Bertelsmann Stiftung, 19. März 2024, S. 6)"
    pub citation: String,
    pub language: String,
    pub quote_open: &'static str,
    pub quote_close: &'static str,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub key: String,
    pub organisation: usize,
    pub title: String,
    pub date: Date,
    pub url: Option<String>,
    pub kind: Option<String>,
    pub language: Option<String>,
    pub label: Option<String>,
    pub symbol: Option<String>,
    pub file: PathBuf,
    /// Position of its `url` (or its key) in `file`.
    pub url_pos: (usize, usize),
    pub path: String,
    /// Reports citing it (newest first), with the locators used there.
    pub cited_by: Vec<SourceUse>,
    /// (report, appendix group, entry, excerpt) of every excerpt quoted from it.
    pub excerpts: Vec<(usize, usize, usize, usize)>,
}

#[derive(Debug, Clone)]
pub struct SourceUse {
    pub report: usize,
    pub locators: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Organisation {
    pub slug: String,
    pub name: String,
    pub short: Option<String>,
    pub url: Option<String>,
    pub aliases: Vec<String>,
    pub seat: Option<String>,
    pub description: BTreeMap<String, String>,
    pub file: PathBuf,
    pub path: String,
    /// Its sources, newest first.
    pub sources: Vec<usize>,
    /// Reports citing any of its sources, newest first.
    pub reports: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub language: String,
    pub summary: Option<String>,
    pub html: String,
    pub citations: Vec<Citation>,
    pub path: String,
}

/// A disclaimer of `site.toml`, shown on the pages of reports in its language.
#[derive(Debug, Clone)]
pub struct Disclaimer {
    pub html: String,
    /// Its citations, linked to the sources' pages (they are not in the reports' source lists).
    pub citations: Vec<Citation>,
}

/// A country, topic, year or language with its reports (newest first).
#[derive(Debug, Clone)]
pub struct Term {
    pub slug: String,
    pub name: String,
    pub names: BTreeMap<String, String>,
    pub path: String,
    pub reports: Vec<usize>,
}

impl Term {
    /// The term's name in a language (`de-AT` falls back to `de`), else its site name.
    pub fn name_in(&self, lang: &str) -> &str {
        let base = lang.split('-').next().unwrap_or(lang);
        self.names.get(lang).or_else(|| self.names.get(base)).unwrap_or(&self.name)
    }
}

impl Source {
    /// The label in citations: `label`, else the organisation's short name, else its name.
    pub fn label<'a>(&'a self, orgs: &'a [Organisation]) -> &'a str {
        let org = &orgs[self.organisation];
        self.label.as_deref().or(org.short.as_deref()).unwrap_or(&org.name)
    }

    /// The source as its entry in a source list, without access or download notes:
    /// "USDOS – US Department of State: Title [symbol]".
    pub fn reference(&self, orgs: &[Organisation]) -> String {
        let org = &orgs[self.organisation];
        let mut s = match (&self.label, &org.short) {
            (Some(label), _) => label.clone(),
            (None, Some(short)) => format!("{short} – {}", org.name),
            (None, None) => org.name.clone(),
        };
        s.push_str(": ");
        s.push_str(&self.title);
        if let Some(sym) = &self.symbol {
            s.push_str(" [");
            s.push_str(sym);
            s.push(']');
        }
        s
    }
}

/// Builds the site model. Records that cannot be used are left out and reported in
/// `diags`; the caller decides from the diagnostics whether to go on.
pub fn build(content: Content, opts: &Options, diags: &mut Diagnostics) -> Site {
    let lap = crate::step_clock("model");
    let Content {
        mut config,
        reports: report_docs,
        pages: page_docs,
        organisations: org_records,
        sources: source_records,
        templates,
        statics,
        ..
    } = content;
    // The theme's search script serves the search page alone, which a site without search has not.
    let statics =
        if config.search.enabled { statics } else { statics.into_iter().filter(|s| s.path != "search.js").collect() };
    if let Some(url) = &opts.base_url {
        config.base_url = if url.ends_with('/') { url.clone() } else { format!("{url}/") };
    }
    let ui = Locale::for_tag(&config.language);
    for (kind, terms) in [("countries", &config.countries), ("topics", &config.topics)] {
        for slug in terms.keys().filter(|s| !valid_slug(s)) {
            diags.push(
                Diagnostic::error(
                    "E028",
                    Path::new("site.toml"),
                    0,
                    0,
                    format!("[{kind}] key `{slug}` is not a valid slug"),
                )
                .help(format!("use lowercase ASCII letters, digits and `-`, e.g. `{}`", slugify(slug))),
            );
        }
    }
    let link = |section: &str, slug: &str| site_path(section, slug, opts.portable);
    let md_opts = MdOptions {
        allow_html: config.markdown.allow_html,
        validate_only: opts.validate_only,
        no_text: !config.search.enabled,
    };

    // Organisations.
    let mut organisations = Vec::new();
    let mut org_index: HashMap<String, usize> = HashMap::new();
    for r in org_records {
        let m = r.meta;
        if !valid_slug(&r.key) {
            diags.push(
                Diagnostic::error(
                    "E020",
                    &r.file,
                    0,
                    0,
                    format!("organisation file name `{}` is not a valid slug", r.key),
                )
                .help("use lowercase letters, digits and `-` in the file name, e.g. `human-rights-watch.yaml`"),
            );
            continue;
        }
        if let Some(&other) = org_index.get(&r.key) {
            let other: &Organisation = &organisations[other];
            diags.push(
                Diagnostic::error(
                    "E021",
                    &r.file,
                    0,
                    0,
                    format!("organisation `{}` is defined twice: here and in {}", r.key, other.file.display()),
                )
                .help("keep one of the two files"),
            );
            continue;
        }
        let Some(Text(name)) = m.name else {
            diags.push(
                Diagnostic::error("E006", &r.file, 1, 1, "organisation has no `name`")
                    .help("add `name: Full Name of the Organisation`"),
            );
            continue;
        };
        check_url(m.url.as_deref(), &r.file, &r.yaml, diags);
        org_index.insert(r.key.clone(), organisations.len());
        organisations.push(Organisation {
            path: link("organisations", &r.key),
            slug: r.key,
            name,
            short: m.short,
            url: m.url,
            aliases: m.aliases,
            seat: m.seat,
            description: m.description,
            file: r.file,
            sources: Vec::new(),
            reports: Vec::new(),
        });
    }

    // Reports: drafts out unless asked for, then Markdown, in parallel.
    let mut report_docs: Vec<Arc<Doc<ReportMeta>>> =
        report_docs.into_iter().filter(|d| opts.include_drafts || !d.meta.draft).collect();
    let compress = report_docs.iter().map(|d| d.body.len()).sum::<usize>() > pack_above();
    // A body is not needed once converted; unless the loader keeps it for the next build, it goes at once.
    let converted: Vec<ConvertedReport> = report_docs
        .par_iter_mut()
        .map(|d| {
            let c = convert_report(&d.body, md_opts, compress);
            if let Some(d) = Arc::get_mut(d) {
                d.body = String::new();
            }
            c
        })
        .collect();

    lap("Markdown converted");

    // Sources: shared records, then records declared in reports.
    let mut sources: Vec<Source> = Vec::new();
    let mut source_index: HashMap<String, usize> = HashMap::new();
    let mut add_source = |key: &str,
                          m: &SourceMeta,
                          file: &Path,
                          yaml: &Yaml,
                          path_prefix: &[&str],
                          diags: &mut Diagnostics| {
        let at = |k: &str| {
            let mut p: Vec<&str> = path_prefix.to_vec();
            p.push(k);
            yaml.position(&p)
        };
        // The key's position, found only when a message needs it.
        let key_at = || yaml.position(path_prefix);
        if !valid_key(key) {
            diags.push(
                Diagnostic::error("E022", file, key_at().0, key_at().1, format!("source key `{key}` is not valid"))
                    .help("use lowercase letters, digits, `-`, `_` and `.`, e.g. `usdos-hrr-2023-kaz`"),
            );
            return;
        }
        if let Some(&other) = source_index.get(key) {
            let other: &Source = &sources[other];
            diags.push(
                Diagnostic::error(
                    "E023",
                    file,
                    key_at().0,
                    key_at().1,
                    format!("duplicate source key `{key}`: also defined in {}", other.file.display()),
                )
                .help("rename one of the two, or remove the copy"),
            );
            return;
        }
        let mut ok = true;
        let org = match &m.organisation {
            None => {
                diags.push(
                    Diagnostic::error(
                        "E006",
                        file,
                        key_at().0,
                        key_at().1,
                        format!("source `{key}` has no `organisation`"),
                    )
                    .help("add `organisation: <slug>`, the file name of a record in content/organisations/"),
                );
                ok = false;
                0
            }
            Some(o) => match org_index.get(o) {
                Some(&i) => i,
                None => {
                    let (l, c) = at("organisation");
                    let mut d = Diagnostic::error(
                        "E024",
                        file,
                        l,
                        c,
                        format!("source `{key}` names unknown organisation `{o}`"),
                    );
                    d = match suggest(o, org_index.keys().map(String::as_str)) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help(format!("create content/organisations/{o}.yaml with at least `name:`")),
                    };
                    diags.push(d);
                    ok = false;
                    0
                }
            },
        };
        let title = match &m.title {
            Some(Text(t)) if !t.trim().is_empty() => t.trim().to_string(),
            _ => {
                diags.push(
                    Diagnostic::error("E006", file, key_at().0, key_at().1, format!("source `{key}` has no `title`"))
                        .help("add `title:` with the title as published"),
                );
                ok = false;
                String::new()
            }
        };
        let date = match &m.date {
            None => {
                diags.push(
                    Diagnostic::error("E006", file, key_at().0, key_at().1, format!("source `{key}` has no `date`"))
                        .help("add `date:` as YYYY-MM-DD, YYYY-MM or YYYY, as precise as published"),
                );
                ok = false;
                None
            }
            Some(Text(d)) => match Date::parse(d) {
                Ok(d) => Some(d),
                Err(e) => {
                    let (l, c) = at("date");
                    diags.push(
                        Diagnostic::error("E025", file, l, c, format!("invalid date of source `{key}`: {e}"))
                            .help("write YYYY-MM-DD, YYYY-MM or YYYY"),
                    );
                    ok = false;
                    None
                }
            },
        };
        if let Some(url) = &m.url
            && !is_http_url(url)
        {
            let (l, c) = at("url");
            diags.push(
                Diagnostic::error("E026", file, l, c, format!("url of source `{key}` is not an http(s) URL: `{url}`"))
                    .help("write the full address starting with https:// (or http://)"),
            );
            ok = false;
        }
        if let Some(lang) = &m.language
            && !valid_language(lang)
        {
            let (l, c) = at("language");
            diags.push(
                Diagnostic::error("E027", file, l, c, format!("`{lang}` is not a language tag"))
                    .help("use a BCP 47 tag such as en, de or de-AT"),
            );
        }
        if !ok {
            return;
        }
        source_index.insert(key.to_string(), sources.len());
        sources.push(Source {
            key: key.to_string(),
            organisation: org,
            title,
            date: date.expect("checked"),
            url: m.url.clone(),
            kind: m.kind.clone(),
            language: m.language.clone(),
            label: m.label.clone(),
            symbol: m.symbol.clone(),
            file: file.to_path_buf(),
            url_pos: at("url"),
            path: link("sources", key),
            cited_by: Vec::new(),
            excerpts: Vec::new(),
        });
    };
    for r in &source_records {
        add_source(&r.key, &r.meta, &r.file, &r.yaml, &[r.key.as_str()], diags);
    }
    for d in &report_docs {
        for (key, entry) in &d.meta.sources {
            if let Some(record) = entry.record() {
                add_source(key, &record, &d.file, &d.yaml, &["sources", key.as_str()], diags);
            }
        }
    }
    // The same URL in two records that describe it differently.
    let mut by_url: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in sources.iter().enumerate() {
        if let Some(u) = &s.url {
            by_url.entry(u.as_str()).or_default().push(i);
        }
    }
    for idxs in by_url.values().filter(|v| v.len() > 1) {
        let a = &sources[idxs[0]];
        for &j in &idxs[1..] {
            let b = &sources[j];
            if (a.organisation, &a.title, a.date) != (b.organisation, &b.title, b.date) {
                diags.push(
                    Diagnostic::warning(
                        "W040",
                        &b.file,
                        b.url_pos.0,
                        b.url_pos.1,
                        format!("sources `{}` and `{}` have the same url but different data", a.key, b.key),
                    )
                    .help(format!(
                        "if both are the same document, keep one record; `{}` is in {}",
                        a.key,
                        a.file.display()
                    )),
                );
            }
        }
    }

    // Report front matter.
    let mut reports: Vec<Report> = Vec::new();
    let mut report_parts: Vec<(ConvertedReport, &Doc<ReportMeta>)> = Vec::new();
    let mut ids: HashMap<String, PathBuf> = HashMap::new();
    for (doc, conv) in report_docs.iter().zip(converted) {
        let m = &doc.meta;
        let file = &doc.file;
        for p in &conv.parts.problems {
            diags.push(Diagnostic::error(p.code, file, p.line, p.column, p.message.clone()).help(p.help.clone()));
        }
        let mut missing = Vec::new();
        if m.id.is_none() {
            missing.push("id");
        }
        if m.title.is_none() {
            missing.push("title");
        }
        if m.date.is_none() {
            missing.push("date");
        }
        for key in &missing {
            let hint = match *key {
                "id" => "add `id: a-12345` (lowercase letters, digits and `-`; it becomes the page address)",
                "title" => "add `title: …` with the report's title",
                _ => "add `date: YYYY-MM-DD`, the publication date",
            };
            diags.push(
                Diagnostic::error("E006", file, 1, 1, format!("front matter has no `{key}`, which every report needs"))
                    .help(hint),
            );
        }
        let id = m.id.as_ref().map(|t| t.0.clone()).unwrap_or_default();
        if m.id.is_some() && !valid_slug(&id) {
            let (l, c) = doc.yaml.position(&["id"]);
            diags.push(
                Diagnostic::error(
                    "E007",
                    file,
                    l,
                    c,
                    format!("report id `{id}` may only hold lowercase letters, digits and `-`"),
                )
                .help(format!("try `{}`", slugify(&id))),
            );
        }
        let date = m.date.as_ref().and_then(|Text(d)| match Date::parse(d) {
            Ok(date) if date.is_full() => Some(date),
            Ok(_) => {
                let (l, c) = doc.yaml.position(&["date"]);
                diags.push(
                    Diagnostic::error("E025", file, l, c, format!("report date `{d}` needs a day"))
                        .help("write the publication date as YYYY-MM-DD"),
                );
                None
            }
            Err(e) => {
                let (l, c) = doc.yaml.position(&["date"]);
                diags.push(
                    Diagnostic::error("E025", file, l, c, format!("invalid date: {e}"))
                        .help("write the publication date as YYYY-MM-DD"),
                );
                None
            }
        });
        let language = m.language.clone().unwrap_or_else(|| config.language.clone());
        if !valid_language(&language) {
            let (l, c) = doc.yaml.position(&["language"]);
            diags.push(
                Diagnostic::error("E027", file, l, c, format!("`{language}` is not a language tag"))
                    .help("use a BCP 47 tag such as de, de-AT or en"),
            );
        }
        if m.id.is_some() && valid_slug(&id) {
            if let Some(prev) = ids.get(&id) {
                let (l, c) = doc.yaml.position(&["id"]);
                diags.push(
                    Diagnostic::error(
                        "E008",
                        file,
                        l,
                        c,
                        format!("report id `{id}` is also used by {}", prev.display()),
                    )
                    .help("every report needs its own id; change one of them"),
                );
                continue;
            }
            ids.insert(id.clone(), file.clone());
        }
        let (Some(date), Some(Text(title))) = (date, m.title.clone()) else { continue };
        if id.is_empty() || !valid_slug(&id) {
            continue;
        }
        let locale = Locale::for_tag(&language);
        reports.push(Report {
            path: link("reports", &id),
            id,
            title: title.trim().to_string(),
            date,
            language,
            locale,
            kind: m.kind.clone(),
            summary: m.summary.clone(),
            countries: Vec::new(),
            topics: Vec::new(),
            year: 0,
            language_term: 0,
            file: file.clone(),
            html: Packed::default(),
            text: Packed::default(),
            toc: Vec::new(),
            citations: Vec::new(),
            bibliography: Vec::new(),
            accessed_all: None,
            appendix: Vec::new(),
            organisations: Vec::new(),
            draft: m.draft,
            outline: outline(m),
        });
        report_parts.push((conv, doc));
    }

    lap("sources and report metadata");

    // Newest first; ties by id, so the order is stable.
    let mut order: Vec<usize> = (0..reports.len()).collect();
    order.sort_by(|&a, &b| reports[b].date.cmp(&reports[a].date).then_with(|| reports[a].id.cmp(&reports[b].id)));
    let mut slots: Vec<Option<(Report, (ConvertedReport, &Doc<ReportMeta>))>> =
        reports.into_iter().zip(report_parts).map(Some).collect();
    let (mut reports, parts): (Vec<Report>, Vec<(ConvertedReport, &Doc<ReportMeta>)>) =
        order.iter().map(|&i| slots[i].take().expect("each once")).unzip();

    // Citations, source lists and appendices: each report on its own, in parallel; then, in report order, what
    // the reports add to their sources (citing reports, excerpts) and the warnings they share.
    let mut warned_descriptions: BTreeSet<(usize, String)> = BTreeSet::new();
    let docs: Vec<&Doc<ReportMeta>> = parts.iter().map(|p| p.1).collect();
    // Sort keys of every source's label and title, made once for all source lists.
    let source_keys: Vec<(String, String)> =
        sources.par_iter().map(|s| (sort_key(s.label(&organisations)), sort_key(&s.title))).collect();
    let mut sources: Vec<Arc<Source>> = sources.into_iter().map(Arc::new).collect();
    let lookup = Lookup {
        sources: &sources,
        organisations: &organisations,
        index: &source_index,
        keys: &source_keys,
        validate_only: opts.validate_only,
    };
    let resolved: Vec<Resolved> = reports
        .par_iter_mut()
        .zip(parts.into_par_iter())
        .map(|(report, (conv, doc))| resolve_report(report, conv, doc, &lookup))
        .collect();
    lap("citations resolved");
    for (ri, (report, r)) in reports.iter().zip(resolved).enumerate() {
        diags.extend(r.diags.items);
        for (o, base) in r.lacking {
            if warned_descriptions.insert((o, base.clone())) {
                diags.push(lacking_description(&organisations[o], &base, &report.id));
            }
        }
        // Sources are not shared yet: `make_mut` changes them in place.
        for (s, at) in excerpt_places(report) {
            Arc::make_mut(&mut sources[s]).excerpts.push((ri, at.0, at.1, at.2));
        }
        for (s, locators) in r.uses {
            Arc::make_mut(&mut sources[s]).cited_by.push(SourceUse { report: ri, locators });
        }
    }

    lap("citing reports gathered");

    // Backlinks: organisations' documents and citing reports.
    for (si, s) in sources.iter().enumerate() {
        organisations[s.organisation].sources.push(si);
    }
    for org in &mut organisations {
        org.sources
            .sort_by(|&a, &b| sources[b].date.cmp(&sources[a].date).then_with(|| sources[a].key.cmp(&sources[b].key)));
        let mut rs: Vec<usize> =
            org.sources.iter().flat_map(|&s| sources[s].cited_by.iter().map(|u| u.report)).collect();
        rs.sort_unstable();
        rs.dedup();
        org.reports = rs;
    }

    lap("backlinks");

    // Taxonomies.
    let countries = resolve_terms(
        "countries",
        &config.countries,
        ui,
        &link,
        &mut reports,
        &docs,
        |m| &m.countries,
        |r, v| r.countries = v,
        diags,
    );
    let topics = resolve_terms(
        "topics",
        &config.topics,
        ui,
        &link,
        &mut reports,
        &docs,
        |m| &m.topics,
        |r, v| r.topics = v,
        diags,
    );
    let mut years: Vec<Term> = Vec::new();
    let mut languages: Vec<Term> = Vec::new();
    for (ri, r) in reports.iter_mut().enumerate() {
        let y = r.date.year.to_string();
        r.year = index_term(&mut years, &y, || Term {
            slug: y.clone(),
            name: y.clone(),
            names: BTreeMap::new(),
            path: link("years", &y),
            reports: Vec::new(),
        });
        years[r.year].reports.push(ri);
        let tag = r.language.to_ascii_lowercase();
        r.language_term = index_term(&mut languages, &tag, || Term {
            slug: tag.clone(),
            name: language_name(&r.language, ui),
            names: BTreeMap::new(),
            path: link("languages", &tag),
            reports: Vec::new(),
        });
        languages[r.language_term].reports.push(ri);
    }
    sort_terms(&mut years, &mut reports, |r| &mut r.year, |a, b| b.slug.cmp(&a.slug));
    sort_terms(
        &mut languages,
        &mut reports,
        |r| &mut r.language_term,
        |a, b| sort_key(&a.name).cmp(&sort_key(&b.name)),
    );

    lap("taxonomies");

    // Plain pages and disclaimers cite sources as well; their citations link to the sources' pages.
    let shared = Shared { source_index: &source_index, sources: &sources, organisations: &organisations };

    // Plain pages.
    let mut pages = Vec::new();
    for d in page_docs.iter().filter(|d| opts.include_drafts || !d.meta.draft) {
        let slug = d.file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if !valid_slug(&slug) {
            diags.push(
                Diagnostic::error("E020", &d.file, 0, 0, format!("page file name `{slug}` is not a valid slug"))
                    .help("use lowercase letters, digits and `-`, e.g. `about.md`"),
            );
            continue;
        }
        if RESERVED_SECTIONS.contains(&slug.as_str()) {
            diags.push(
                Diagnostic::error(
                    "E020",
                    &d.file,
                    0,
                    0,
                    format!("a page may not be called `{slug}`: that address belongs to a generated section"),
                )
                .help("rename the file"),
            );
            continue;
        }
        let Some(Text(title)) = d.meta.title.clone() else {
            diags.push(
                Diagnostic::error("E006", &d.file, 1, 1, "front matter has no `title`, which every page needs")
                    .help("add `title: …`"),
            );
            continue;
        };
        let conv = markdown::convert(&d.body, md_opts);
        for p in &conv.problems {
            diags.push(Diagnostic::error(p.code, &d.file, p.line, p.column, p.message.clone()).help(p.help.clone()));
        }
        let language = d.meta.language.clone().unwrap_or_else(|| config.language.clone());
        let locale = Locale::for_tag(&language);
        let citations =
            plain_citations(&conv.citations, &shared, locale, &d.file, |line, column| (line, column), diags);
        pages.push(Page {
            path: link("", &slug),
            slug,
            title,
            language,
            summary: d.meta.summary.clone(),
            html: conv.html.to_string(),
            citations,
        });
    }

    // Disclaimers are Markdown, and may cite sources; what is wrong in one is reported at its place in site.toml.
    let mut disclaimers = BTreeMap::new();
    for (lang, md) in &config.disclaimer {
        let conv = markdown::convert(md, MdOptions { allow_html: config.markdown.allow_html, ..MdOptions::default() });
        let at = |line: usize, column: usize| config.disclaimer_position(lang, line, column);
        let toml = Path::new("site.toml");
        for p in &conv.problems {
            let (l, c) = at(p.line, p.column);
            diags.push(
                Diagnostic::error(p.code, toml, l, c, format!("disclaimer `{lang}`: {}", p.message))
                    .help(p.help.clone()),
            );
        }
        let citations = plain_citations(&conv.citations, &shared, Locale::for_tag(lang), toml, at, diags);
        disclaimers.insert(lang.clone(), Disclaimer { html: conv.html.to_string(), citations });
    }

    // Freeing thousands of loaded documents takes a noticeable time; it need not hold up the build.
    drop(docs);
    std::thread::spawn(move || drop(report_docs));
    Site {
        config,
        ui,
        portable: opts.portable,
        reports: reports.into_iter().map(Arc::new).collect(),
        organisations,
        sources,
        source_index: Arc::new(source_index),
        source_keys: Arc::new(source_keys),
        pages,
        countries,
        topics,
        years,
        languages,
        disclaimers,
        templates,
        statics,
        day: opts.day.unwrap_or_else(Date::today),
    }
}

/// A report file that changed, loaded again: the report's place in the site, and its new document.
pub struct Edit {
    pub index: usize,
    pub doc: Arc<Doc<ReportMeta>>,
}

/// A model changed by [`patch`], and which pages besides the edited reports' own may show something else now.
pub struct Patched {
    pub site: Site,
    /// Sources with a citing report more or less, other places cited, or excerpts from an edited report.
    pub sources: Vec<usize>,
    /// Organisations with a citing report more or less, or a document cited by more or fewer reports.
    pub organisations: Vec<usize>,
    /// Whether a source is cited by more or fewer reports (the lists of all sources and organisations count them).
    pub counts: bool,
    /// Edited reports whose card changed (title, summary or type), so every page listing them changed too.
    pub cards: Vec<usize>,
}

/// The model with some reports' text, citations, per-report source facts, titles, summaries or types changed,
/// without building it anew: each edited report is resolved again, and its sources and organisations take in the
/// difference. `None` when an edit moves its report among the others or declares sources (its [`outline`]
/// differs), or leaves it without a title, for then only a new model is right. Findings about the edited reports go
/// to `diags`.
pub fn patch(site: &Site, edits: &[Edit], opts: &Options, diags: &mut Diagnostics) -> Option<Patched> {
    if edits.iter().any(|e| site.reports.get(e.index).is_none_or(|r| r.outline != outline(&e.doc.meta))) {
        return None;
    }
    let md_opts = MdOptions {
        allow_html: site.config.markdown.allow_html,
        validate_only: opts.validate_only,
        no_text: !site.config.search.enabled,
    };
    // Held as the other reports' texts are.
    let compress = site.reports.iter().any(|r| r.text.is_compressed());
    let converted: Vec<ConvertedReport> =
        edits.par_iter().map(|e| convert_report(&e.doc.body, md_opts, compress)).collect();
    let mut next = site.clone();
    let (mut sources, mut organisations, mut counts) = (BTreeSet::new(), BTreeSet::new(), false);
    let mut cards = Vec::new();
    for (edit, conv) in edits.iter().zip(converted) {
        let (ri, old) = (edit.index, &site.reports[edit.index]);
        let m = &edit.doc.meta;
        let title = m.title.as_ref()?.0.trim().to_string();
        if (&title, &m.summary, &m.kind) != (&old.title, &old.summary, &old.kind) {
            cards.push(ri);
        }
        for p in &conv.parts.problems {
            diags.push(Diagnostic::error(p.code, &old.file, p.line, p.column, p.message.clone()).help(p.help.clone()));
        }
        let mut report = Report {
            id: old.id.clone(),
            title,
            date: old.date,
            language: old.language.clone(),
            locale: old.locale,
            kind: m.kind.clone(),
            summary: m.summary.clone(),
            countries: old.countries.clone(),
            topics: old.topics.clone(),
            year: old.year,
            language_term: old.language_term,
            file: old.file.clone(),
            path: old.path.clone(),
            html: Packed::default(),
            text: Packed::default(),
            toc: Vec::new(),
            citations: Vec::new(),
            bibliography: Vec::new(),
            accessed_all: None,
            appendix: Vec::new(),
            organisations: Vec::new(),
            draft: old.draft,
            outline: old.outline,
        };
        let lookup = Lookup {
            sources: &next.sources,
            organisations: &next.organisations,
            index: &site.source_index,
            keys: &site.source_keys,
            validate_only: opts.validate_only,
        };
        let r = resolve_report(&mut report, conv, &edit.doc, &lookup);
        diags.extend(r.diags.items);
        for (o, base) in &r.lacking {
            diags.push(lacking_description(&site.organisations[*o], base, &report.id));
        }
        // Citing reports and excerpts of the sources the report cited before or cites now; both lists are in
        // report order.
        let places = excerpt_places(&report);
        let mut touched: BTreeSet<usize> = old.bibliography.iter().map(|b| b.source).collect();
        touched.extend(r.uses.keys());
        touched.extend(places.iter().map(|p| p.0));
        for s in touched {
            let src = Arc::make_mut(&mut next.sources[s]);
            let before = src.cited_by.len();
            let old_use = match src.cited_by.binary_search_by_key(&ri, |u| u.report) {
                Ok(i) => Some(src.cited_by.remove(i).locators),
                Err(_) => None,
            };
            let new_use = r.uses.get(&s);
            if let Some(locators) = new_use {
                let at = src.cited_by.partition_point(|u| u.report < ri);
                src.cited_by.insert(at, SourceUse { report: ri, locators: locators.clone() });
            }
            let had_excerpts = src.excerpts.iter().any(|x| x.0 == ri);
            src.excerpts.retain(|x| x.0 != ri);
            let at = src.excerpts.partition_point(|x| x.0 < ri);
            let mine: Vec<(usize, usize, usize, usize)> =
                places.iter().filter(|p| p.0 == s).map(|&(_, (g, e, x))| (ri, g, e, x)).collect();
            let has_excerpts = !mine.is_empty();
            src.excerpts.splice(at..at, mine);
            // A source's page shows the excerpts quoted from it, with the citations inside them.
            let same_excerpts = excerpts_of(old, s) == excerpts_of(&report, s)
                && (!(had_excerpts || has_excerpts) || old.citations == report.citations);
            if old_use.as_ref() != new_use || !same_excerpts {
                sources.insert(s);
            }
            if before != src.cited_by.len() {
                counts = true;
                organisations.insert(src.organisation);
            }
        }
        // Organisations the report cites now and did not before, or the other way round.
        let before: BTreeSet<usize> = old.organisations.iter().copied().collect();
        let now: BTreeSet<usize> = report.organisations.iter().copied().collect();
        for &o in before.symmetric_difference(&now) {
            let list = &mut next.organisations[o].reports;
            match list.binary_search(&ri) {
                Ok(i) if !now.contains(&o) => {
                    list.remove(i);
                }
                Err(i) if now.contains(&o) => list.insert(i, ri),
                _ => {}
            }
            organisations.insert(o);
        }
        next.reports[ri] = Arc::new(report);
    }
    Some(Patched {
        site: next,
        sources: sources.into_iter().collect(),
        organisations: organisations.into_iter().collect(),
        counts,
        cards,
    })
}

/// A fingerprint of what places a report among the others: its id, date, language, countries, topics, draft flag
/// and the sources it declares. Two versions of a report with the same outline sit in the same lists at the same
/// place; their cards may still differ in title, summary and type.
pub fn outline(m: &ReportMeta) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (&m.id, &m.date, &m.language, &m.countries, &m.topics, m.draft).hash(&mut h);
    for (key, entry) in &m.sources {
        if let Some(record) = entry.record() {
            (key, format!("{record:?}")).hash(&mut h);
        }
    }
    h.finish()
}

/// The warning that a cited organisation has no description in a report's language.
fn lacking_description(org: &Organisation, base: &str, report: &str) -> Diagnostic {
    Diagnostic::warning(
        "W043",
        &org.file,
        0,
        0,
        format!("organisation `{}` has no `{base}` description, needed by report `{report}`", org.slug),
    )
    .help(format!("add `description: {{ {base}: One sentence about the organisation. }}`"))
}

/// The excerpts a report quotes from source `s`.
fn excerpts_of(report: &Report, s: usize) -> Vec<&Excerpt> {
    let entries = report.appendix.iter().flat_map(|g| &g.entries);
    entries.filter(|e| report.bibliography[e.bib].source == s).flat_map(|e| &e.excerpts).collect()
}

/// Each excerpt of a report's appendix: its source, and its place (group, entry, excerpt).
fn excerpt_places(report: &Report) -> Vec<(usize, (usize, usize, usize))> {
    let mut out = Vec::new();
    for (gi, g) in report.appendix.iter().enumerate() {
        for (ei, e) in g.entries.iter().enumerate() {
            for xi in 0..e.excerpts.len() {
                out.push((report.bibliography[e.bib].source, (gi, ei, xi)));
            }
        }
    }
    out
}

/// What resolving one report's citations found, for the site to take in.
struct Resolved {
    diags: Diagnostics,
    /// Cited sources with the places cited in each.
    uses: BTreeMap<usize, Vec<String>>,
    /// Organisations cited without a description in the report's language, with that language.
    lacking: Vec<(usize, String)>,
}

/// The site's sources and how citations find them, for resolving reports.
#[derive(Clone, Copy)]
struct Lookup<'a> {
    sources: &'a [Arc<Source>],
    organisations: &'a [Organisation],
    index: &'a HashMap<String, usize>,
    /// Sort keys of every source's label and title, for source lists.
    keys: &'a [(String, String)],
    validate_only: bool,
}

/// Resolves one report's citations and excerpts, and makes its source list and appendix: everything of a
/// report that depends on the site's sources but not on other reports.
/// A report's body converted, with its HTML and plain text packed at once: held unpacked for every report until
/// all are resolved, they would be most of a large build's memory.
struct ConvertedReport {
    /// Headings, citations, excerpts and problems; `html` and `text` are left empty.
    parts: Converted,
    html: Packed,
    text: Packed,
}

fn convert_report(body: &str, opts: MdOptions, compress: bool) -> ConvertedReport {
    let mut parts = markdown::convert(body, opts);
    let html = Packed::new(std::mem::replace(&mut parts.html, Arc::from("")), compress);
    let text = Packed::new(std::mem::replace(&mut parts.text, Arc::from("")), compress);
    ConvertedReport { parts, html, text }
}

fn resolve_report(report: &mut Report, conv: ConvertedReport, doc: &Doc<ReportMeta>, cx: &Lookup<'_>) -> Resolved {
    let ConvertedReport { parts: conv, html, text } = conv;
    let Lookup { sources, organisations, index: source_index, keys: source_keys, validate_only } = *cx;
    let mut own = Diagnostics::default();
    let diags = &mut own;
    let locale = report.locale;
    let file = &doc.file;
    let mut uses: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let resolve = |item: &CiteItem, line: usize, column: usize, diags: &mut Diagnostics| -> Option<usize> {
        match source_index.get(&item.key) {
            Some(&s) => Some(s),
            None => {
                let mut d = Diagnostic::error("E010", file, line, column, format!("unknown source key `{}`", item.key));
                d = match suggest(&item.key, source_index.keys().map(String::as_str)) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help("add a record for it in content/sources/ or under `sources:` in the front matter"),
                };
                diags.push(d);
                None
            }
        }
    };
    // Vectors of exact size: a large archive holds millions of citations.
    report.citations.reserve_exact(conv.citations.len());
    let mut texts = HashMap::new();
    for mark in &conv.citations {
        let mut items = Vec::with_capacity(mark.items.len());
        for item in &mark.items {
            let source = resolve(item, mark.line, mark.column, diags);
            if let Some(s) = source {
                let entry = uses.entry(s).or_default();
                if !item.locator.is_empty() && !entry.contains(&item.locator) {
                    entry.push(item.locator.clone());
                }
            }
            items.push(if validate_only {
                CitedItem { prefix: String::new(), source, text: Arc::from(""), locator: String::new() }
            } else {
                cited_item(item, source, sources, organisations, locale, &mut texts)
            });
        }
        report.citations.push(Citation { items });
    }
    // Excerpt sources count as cited too.
    let mut excerpts: Vec<(usize, Excerpt)> = Vec::new();
    for x in conv.excerpts {
        let item = CiteItem { prefix: String::new(), key: x.key, locator: x.locator };
        let Some(s) = resolve(&item, x.line, x.column, diags) else { continue };
        uses.entry(s).or_default();
        let c = cited_item(&item, Some(s), sources, organisations, locale, &mut texts);
        excerpts.push((
            s,
            Excerpt {
                source: s,
                locator: item.locator.clone(),
                html: x.html,
                text: x.text,
                citation: format!("({})", item_text(&c)),
                language: sources[s].language.clone().unwrap_or_else(|| report.language.clone()),
                quote_open: locale.quote_open,
                quote_close: locale.quote_close,
            },
        ));
    }
    // Per-report facts: accessed and downloaded dates.
    let parse_fact = |v: &Option<Text>, path: &[&str], diags: &mut Diagnostics| -> Option<Date> {
        let Text(s) = v.as_ref()?;
        match Date::parse(s) {
            Ok(d) if d.is_full() => Some(d),
            Ok(_) | Err(_) => {
                let (l, c) = doc.yaml.position(path);
                diags.push(
                    Diagnostic::error("E025", file, l, c, format!("`{s}` is not a full date")).help("write YYYY-MM-DD"),
                );
                None
            }
        }
    };
    let report_accessed = parse_fact(&doc.meta.accessed, &["accessed"], diags);
    let mut accessed: HashMap<usize, Date> = HashMap::new();
    let mut downloaded: HashMap<usize, Date> = HashMap::new();
    for (key, entry) in &doc.meta.sources {
        let Some(&s) = source_index.get(key) else {
            if entry.record().is_none() {
                let (l, c) = doc.yaml.position(&["sources", key]);
                let mut d =
                    Diagnostic::error("E010", file, l, c, format!("unknown source key `{key}` under `sources:`"));
                if let Some(s) = suggest(key, source_index.keys().map(String::as_str)) {
                    d = d.help(format!("did you mean `{s}`?"));
                }
                diags.push(d);
            }
            continue;
        };
        if !uses.contains_key(&s) {
            let (l, c) = doc.yaml.position(&["sources", key]);
            diags.push(
                Diagnostic::warning("W041", file, l, c, format!("source `{key}` is declared but never cited"))
                    .help(format!("cite it with `[@{key}]` or remove it from `sources:`")),
            );
        }
        if let Some(d) = parse_fact(&entry.accessed, &["sources", key, "accessed"], diags) {
            accessed.insert(s, d);
        }
        if let Some(d) = parse_fact(&entry.downloaded, &["sources", key, "downloaded"], diags) {
            downloaded.insert(s, d);
        }
    }
    // The source list: by label (case- and accent-insensitive), then date, then title.
    let mut cited: Vec<usize> = uses.keys().copied().collect();
    cited.sort_by(|&a, &b| {
        let (x, y) = (&sources[a], &sources[b]);
        (&source_keys[a].0, x.date, &source_keys[a].1, &x.key).cmp(&(
            &source_keys[b].0,
            y.date,
            &source_keys[b].1,
            &y.key,
        ))
    });
    let access_of = |s: usize| accessed.get(&s).copied().or(report_accessed);
    let all_dates: BTreeSet<Option<Date>> = cited.iter().map(|&s| access_of(s)).collect();
    let uniform = all_dates.len() == 1;
    if let (true, Some(Some(d))) = (uniform, all_dates.iter().next()) {
        report.accessed_all = Some(locale.with_date(locale.words.accessed_all, d));
    }
    for &s in &cited {
        let src = &sources[s];
        let access = access_of(s);
        if access.is_none() && src.url.is_some() {
            let (l, c) = doc.yaml.position(&["accessed"]);
            diags.push(
                Diagnostic::warning("W042", file, l, c, format!("no accessed date for cited source `{}`", src.key))
                    .help("add `accessed: YYYY-MM-DD` to the front matter, or per source under `sources:`"),
            );
        }
        report.bibliography.push(BibEntry {
            source: s,
            accessed_on: access,
            downloaded_on: downloaded.get(&s).copied(),
        });
    }
    // Appendix: organisations with excerpts, in source-list order.
    for (bi, entry) in report.bibliography.iter().enumerate() {
        let xs: Vec<Excerpt> = excerpts.iter().filter(|(s, _)| *s == entry.source).map(|(_, x)| x.clone()).collect();
        if xs.is_empty() {
            continue;
        }
        let org = sources[entry.source].organisation;
        let group = match report.appendix.iter().position(|g| g.organisation == org) {
            Some(g) => g,
            None => {
                report.appendix.push(AppendixGroup {
                    organisation: org,
                    description: description(&organisations[org], &report.language),
                    entries: Vec::new(),
                });
                report.appendix.len() - 1
            }
        };
        report.appendix[group].entries.push(AppendixEntry { bib: bi, excerpts: xs });
    }
    // Organisations lacking a description in this report's language.
    let mut orgs: Vec<usize> = cited.iter().map(|&s| sources[s].organisation).collect();
    // Organisations may share a name: the index keeps one organisation's repeats together for `dedup`.
    orgs.sort_by_cached_key(|&o| (sort_key(&organisations[o].name), o));
    orgs.dedup();
    let base = report.language.split('-').next().unwrap_or_default().to_string();
    let lacking = orgs
        .iter()
        .filter(|&&o| description(&organisations[o], &report.language).is_none())
        .map(|&o| (o, base.clone()))
        .collect();
    report.organisations = orgs;
    report.html = html;
    report.text = text;
    report.toc = conv.headings;
    Resolved { diags: own, uses, lacking }
}

/// The site path of a section or item: `reports/x/`, or `reports/x/index.html` when the
/// site is built to be browsed without a server.
pub fn site_path(section: &str, slug: &str, portable: bool) -> String {
    let mut p = String::new();
    for part in [section, slug] {
        if !part.is_empty() {
            p.push_str(part);
            p.push('/');
        }
    }
    if portable {
        p.push_str("index.html");
    }
    p
}

/// Section folders of the output; pages may not take these names.
pub const RESERVED_SECTIONS: &[&str] =
    &["reports", "countries", "topics", "years", "languages", "organisations", "sources", "search", "static", "page"];

/// What the citations of plain pages and disclaimers are resolved against.
struct Shared<'a> {
    source_index: &'a HashMap<String, usize>,
    sources: &'a [Arc<Source>],
    organisations: &'a [Organisation],
}

/// The citations of a plain page or a disclaimer, which link to the sources' own pages; an unknown key is an
/// error in `file` at `at(line, column)` of the Markdown.
fn plain_citations(
    marks: &[markdown::CitationMark],
    shared: &Shared<'_>,
    locale: &Locale,
    file: &Path,
    at: impl Fn(usize, usize) -> (usize, usize),
    diags: &mut Diagnostics,
) -> Vec<Citation> {
    let mut texts = HashMap::new();
    marks
        .iter()
        .map(|m| Citation {
            items: m
                .items
                .iter()
                .map(|it| {
                    let s = shared.source_index.get(&it.key).copied();
                    if s.is_none() {
                        let (l, c) = at(m.line, m.column);
                        let mut d = Diagnostic::error("E010", file, l, c, format!("unknown source key `{}`", it.key));
                        if let Some(k) = suggest(&it.key, shared.source_index.keys().map(String::as_str)) {
                            d = d.help(format!("did you mean `{k}`?"));
                        }
                        diags.push(d);
                    }
                    cited_item(it, s, shared.sources, shared.organisations, locale, &mut texts)
                })
                .collect(),
        })
        .collect()
}

fn cited_item(
    item: &CiteItem,
    source: Option<usize>,
    sources: &[Arc<Source>],
    orgs: &[Organisation],
    locale: &Locale,
    texts: &mut HashMap<usize, Arc<str>>,
) -> CitedItem {
    let text = match source {
        Some(s) => texts
            .entry(s)
            .or_insert_with(|| [sources[s].label(orgs), ", ", &locale.date(&sources[s].date)].concat().into())
            .clone(),
        None => format!("@{}", item.key).into(),
    };
    CitedItem { prefix: item.prefix.clone(), source, text, locator: locator(&item.locator) }
}

/// The plain text of one citation item: "KNB, siehe Label, Date, S. 6".
pub fn item_text(c: &CitedItem) -> String {
    let mut s = String::new();
    if !c.prefix.is_empty() {
        s.push_str(&c.prefix);
        s.push(' ');
    }
    s.push_str(&c.text);
    if !c.locator.is_empty() {
        s.push_str(", ");
        s.push_str(&c.locator);
    }
    s
}

/// Locators print as written, with a no-break space after a page term ("S.\u{a0}6").
fn locator(l: &str) -> String {
    for term in ["S. ", "p. ", "pp. ", "Abs. ", "para. ", "Rn. "] {
        if let Some(rest) = l.strip_prefix(term) {
            return [term.trim_end(), "\u{a0}", rest.trim_start()].concat();
        }
    }
    l.to_string()
}

/// An organisation's description in a language (`de-AT` falls back to `de`).
fn description(org: &Organisation, lang: &str) -> Option<String> {
    let base = lang.split('-').next().unwrap_or(lang);
    org.description
        .get(lang)
        .or_else(|| org.description.get(base))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn index_term(terms: &mut Vec<Term>, slug: &str, make: impl FnOnce() -> Term) -> usize {
    match terms.iter().position(|t| t.slug == slug) {
        Some(i) => i,
        None => {
            terms.push(make());
            terms.len() - 1
        }
    }
}

/// Sorts terms and rewrites the reports' indices into them.
fn sort_terms(
    terms: &mut Vec<Term>,
    reports: &mut [Report],
    field: impl Fn(&mut Report) -> &mut usize,
    cmp: impl Fn(&Term, &Term) -> std::cmp::Ordering,
) {
    let mut order: Vec<usize> = (0..terms.len()).collect();
    order.sort_by(|&a, &b| cmp(&terms[a], &terms[b]));
    let mut new_index = vec![0; terms.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut slots: Vec<Option<Term>> = std::mem::take(terms).into_iter().map(Some).collect();
    *terms = order.iter().map(|&i| slots[i].take().expect("each once")).collect();
    for r in reports {
        let f = field(r);
        *f = new_index[*f];
    }
}

/// Countries or topics: values are matched to declared terms by slug or any name;
/// undeclared values become terms of their own, and two values with one slug are errors.
#[allow(clippy::too_many_arguments)]
fn resolve_terms(
    kind: &str,
    declared: &BTreeMap<String, BTreeMap<String, String>>,
    ui: &Locale,
    link: &dyn Fn(&str, &str) -> String,
    reports: &mut [Report],
    docs: &[&Doc<ReportMeta>],
    values: impl Fn(&ReportMeta) -> &Vec<String>,
    set: impl Fn(&mut Report, Vec<usize>),
    diags: &mut Diagnostics,
) -> Vec<Term> {
    let mut lookup: HashMap<String, String> = HashMap::new();
    for (slug, names) in declared {
        lookup.insert(slug.to_lowercase(), slug.clone());
        for n in names.values() {
            lookup.insert(n.trim().to_lowercase(), slug.clone());
        }
    }
    let mut terms: Vec<Term> = Vec::new();
    // For undeclared slugs: the value that made them, and where.
    let mut made_by: HashMap<String, (String, PathBuf)> = HashMap::new();
    for (ri, (report, doc)) in reports.iter_mut().zip(docs).enumerate() {
        let mut idxs = Vec::new();
        for value in values(&doc.meta) {
            let v = value.trim();
            let slug = match lookup.get(&v.to_lowercase()) {
                Some(s) => s.clone(),
                None => {
                    let slug = slugify(v);
                    let (l, c) = doc.yaml.position(&[kind]);
                    if slug.is_empty() {
                        diags.push(Diagnostic::error("E028", &doc.file, l, c, format!("`{v}` in `{kind}` gives no usable address"))
                            .help(format!("declare it in site.toml under [{kind}] with an ASCII slug, e.g. `my-slug = {{ en = \"{v}\" }}`")));
                        continue;
                    }
                    if let Some(declared_slug) = lookup.get(&slug) {
                        declared_slug.clone()
                    } else {
                        match made_by.get(&slug) {
                            Some((other, file)) if other.to_lowercase() != v.to_lowercase() => {
                                diags.push(
                                    Diagnostic::error(
                                        "E029",
                                        &doc.file,
                                        l,
                                        c,
                                        format!(
                                            "`{v}` and `{other}` (in {}) both become the address {kind}/{slug}/",
                                            file.display()
                                        ),
                                    )
                                    .help(format!(
                                        "write them the same way, or declare the term in site.toml under [{kind}]"
                                    )),
                                );
                                continue;
                            }
                            Some(_) => {}
                            None => {
                                made_by.insert(slug.clone(), (v.to_string(), doc.file.clone()));
                            }
                        }
                        slug
                    }
                }
            };
            let i = index_term(&mut terms, &slug, || {
                let names = declared.get(&slug).cloned().unwrap_or_default();
                let name = names
                    .get(ui.code)
                    .or_else(|| names.get("en"))
                    .or_else(|| names.values().next())
                    .cloned()
                    .unwrap_or_else(|| v.to_string());
                Term { path: link(kind, &slug), slug: slug.clone(), name, names, reports: Vec::new() }
            });
            if !idxs.contains(&i) {
                idxs.push(i);
                terms[i].reports.push(ri);
            }
        }
        set(report, idxs);
    }
    let mut order: Vec<usize> = (0..terms.len()).collect();
    order.sort_by_cached_key(|&i| sort_key(&terms[i].name));
    let mut new_index = vec![0; terms.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    for r in reports.iter_mut() {
        let field = if kind == "countries" { &mut r.countries } else { &mut r.topics };
        for i in field.iter_mut() {
            *i = new_index[*i];
        }
    }
    let mut slots: Vec<Option<Term>> = terms.into_iter().map(Some).collect();
    order.iter().map(|&i| slots[i].take().expect("each once")).collect()
}

fn check_url(url: Option<&str>, file: &Path, yaml: &Yaml, diags: &mut Diagnostics) {
    if let Some(u) = url
        && !is_http_url(u)
    {
        let (l, c) = yaml.position(&["url"]);
        diags.push(
            Diagnostic::error("E026", file, l, c, format!("`{u}` is not an http(s) URL"))
                .help("write the full address starting with https:// (or http://)"),
        );
    }
}

pub fn is_http_url(u: &str) -> bool {
    let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !u.chars().any(char::is_whitespace))
}

/// Report ids and slugs: lowercase ASCII letters, digits and inner `-`.
pub fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Source keys: lowercase letters, digits, `-`, `_`, `.`; starting with a letter or digit.
pub fn valid_key(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
        && !s.ends_with('.')
}

/// A BCP 47 tag of the common shape: `de`, `de-AT`, `sr-Latn-RS`.
pub fn valid_language(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or_default();
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_text_comes_back_whole_and_compressed_smaller() {
        let html = "<p>Die Lage in Kasachstan: „Überwachung“ – Ӏ 2024 [\u{E000}0\u{E001}]</p>\n".repeat(200);
        for compress in [true, false] {
            let packed = Packed::new(Arc::from(html.as_str()), compress);
            assert_eq!(packed.is_compressed(), compress);
            if let Held::Lz4(bytes) = &*packed.0.lock().unwrap() {
                assert!(bytes.len() < html.len() / 4);
            }
            assert_eq!(&*packed.get(), html);
            assert_eq!(&*packed.clone().get(), html);
            assert_eq!(&*packed.take(), html);
            assert_eq!(&*packed.get(), "", "taken text leaves nothing behind");
            assert_eq!(&*Packed::new(Arc::from(""), compress).get(), "");
        }
    }

    #[test]
    fn validators() {
        assert!(valid_slug("a-12321-4"));
        assert!(!valid_slug("A-1"));
        assert!(!valid_slug("a_1"));
        assert!(valid_key("usdos-hrr-2023.kaz"));
        assert!(!valid_key("-x"));
        assert!(valid_language("de-AT"));
        assert!(!valid_language("deutsch-"));
        assert!(is_http_url("https://example.org/x"));
        assert!(!is_http_url("ftp://example.org"));
        assert!(!is_http_url("https://exa mple.org"));
    }

    #[test]
    fn locators_get_no_break_spaces() {
        assert_eq!(locator("S. 178-180"), "S.\u{a0}178-180");
        assert_eq!(locator("Section 1a"), "Section 1a");
    }
}
