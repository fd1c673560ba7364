//! Stage 3, render: lays the model out as pages through the theme's tera templates.
//! Reads no files and computes nothing the model knows; it builds each template's
//! context, fills citation marks in with links, and renders pages in parallel.
//!
//! Every template receives `site`, `ui` (the site language's words), `root` (the
//! relative prefix to the site's top, e.g. `../../`) and `page` (title, description,
//! path, canonical URL, lang); README.md lists what each page kind adds.

use crate::diag::{Diagnostic, Diagnostics};
use crate::load::StaticData;
use crate::markdown::{MARK_CLOSE, MARK_OPEN, escape, escape_into};
use crate::model::{Citation, Report, Site, Term, site_path};
use crate::text::{Locale, sort_key};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use tera::{Context, Tera, Value};

/// A file of the finished site.
#[derive(Debug)]
pub struct OutFile {
    /// Path inside the output folder, with `/` separators.
    pub path: String,
    pub data: OutData,
}

#[derive(Debug)]
pub enum OutData {
    Text(String),
    /// A page as the template engine wrote it. Tera writes only strings, so it is UTF-8; it is not checked again,
    /// which would read every byte of every page once more.
    Page(Vec<u8>),
    Static(StaticData),
}

/// Builds the template engine from the theme; template syntax errors become diagnostics.
pub fn templates(site: &Site, diags: &mut Diagnostics) -> Option<Tera> {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.register_filter("card", card_filter);
    let sources: Vec<(&str, &str)> = site.templates.iter().map(|t| (t.name.as_str(), t.source.as_str())).collect();
    if let Err(e) = tera.add_raw_templates(sources) {
        diags.push(template_error(site, &e));
        return None;
    }
    let mut missing = Vec::new();
    for name in REQUIRED {
        if !tera.contains_template(name) && (site.config.search.enabled || *name != "search.html") {
            missing.push(*name);
        }
    }
    if !missing.is_empty() {
        diags.push(
            Diagnostic::error(
                "E050",
                &PathBuf::from(format!("themes/{}/templates", site.config.theme)),
                0,
                0,
                format!("the theme has no template {}", missing.join(", ")),
            )
            .help("add the missing templates, or remove `theme` from site.toml to use the default theme"),
        );
        return None;
    }
    let mut global = Context::new();
    global.insert(
        "site",
        &SiteView {
            title: &site.config.title,
            description: &site.config.description,
            base_url: &site.config.base_url,
            language: &site.config.language,
        },
    );
    global.insert("ui", &site.ui.words);
    let link = |section: &str| site_path(section.trim_end_matches('/'), "", site.portable);
    let pages: Vec<serde_json::Value> =
        site.pages.iter().map(|p| serde_json::json!({"title": p.title, "path": p.path})).collect();
    global.insert(
        "nav",
        &serde_json::json!({
            "home": link(""), "reports": link("reports/"), "countries": link("countries/"), "topics": link("topics/"),
            "years": link("years/"), "languages": link("languages/"), "organisations": link("organisations/"),
            "sources": link("sources/"), "pages": pages,
            // No link to a search page that is not made.
            "search": site.config.search.enabled.then(|| link("search/")),
        }),
    );
    *tera.global_context() = global;
    Some(tera)
}

/// Stand-ins for `root` and `card_heading` while a report's card is rendered once for every page that lists it.
/// Both are inserted unescaped and hold `<`, which escaped content never does.
const CARD_ROOT: &str = "<\u{E003}r>";
const CARD_HEADING: &str = "<\u{E003}h>";

/// `{{ r | card }}`: report card `r` as `partials/card.html` renders it, with this page's `root` and
/// `card_heading` (`h3` unless set). The partial is rendered once per report, not once per listing.
fn card_filter(r: &Value, _: tera::Kwargs, state: &tera::State) -> tera::TeraResult<Value> {
    let field =
        |name: &'static str| r.as_map()?.iter().find(|(k, _)| k.as_str() == Some(name)).and_then(|(_, v)| v.as_str());
    let Some(html) = field("html") else {
        let why = field("html_error").unwrap_or("the value is not a report card");
        return Err(tera::Error::message(format!("`card` cannot show this value: {why}")));
    };
    let root: String = state.get("root")?.unwrap_or_default();
    let heading: String = state.get("card_heading")?.unwrap_or_else(|| "h3".into());
    let mut out = String::with_capacity(html.len() + 8 * root.len());
    let mut rest = html;
    while let Some(at) = find_private(rest, '\u{E003}') {
        // `at` is past the stand-in's `<`, which starts it.
        let start = at.saturating_sub(1);
        let value = [(CARD_ROOT, &root), (CARD_HEADING, &heading)]
            .into_iter()
            .find(|(mark, _)| rest[start..].starts_with(mark))
            .filter(|_| at > 0);
        match value {
            Some((mark, value)) => {
                out.push_str(&rest[..start]);
                out.push_str(value);
                rest = &rest[start + mark.len()..];
            }
            None => {
                let end = at + '\u{E003}'.len_utf8();
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
        }
    }
    out.push_str(rest);
    Ok(Value::safe_string(&out))
}

const REQUIRED: &[&str] = &[
    "index.html",
    "report.html",
    "reports.html",
    "taxonomy.html",
    "term.html",
    "organisations.html",
    "organisation.html",
    "sources.html",
    "source.html",
    "page.html",
    "404.html",
    "search.html",
    "atom.xml",
    "sitemap.xml",
    "robots.txt",
];

fn template_error(site: &Site, e: &tera::Error) -> Diagnostic {
    let origin = |name: &str| {
        site.templates
            .iter()
            .find(|t| t.name == name)
            .map_or_else(|| PathBuf::from(format!("templates/{name}")), |t| t.origin.clone())
    };
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let span = r.span();
            Diagnostic::error(
                "E051",
                &origin(r.filename()),
                span.start_line,
                span.start_col + 1,
                format!("template `{}`: {}", r.filename(), r.message()),
            )
            .help("fix the template; the tera syntax is described in README.md")
        }
        _ => {
            // Some errors carry their position only in the rendered report: " --> name:line:col".
            let msg = e.to_string();
            let pos = msg.split(" --> ").nth(1).and_then(|rest| {
                let loc = rest.split_whitespace().next()?;
                let mut parts = loc.rsplitn(3, ':');
                let col: usize = parts.next()?.parse().ok()?;
                let line: usize = parts.next()?.parse().ok()?;
                Some((parts.next()?.to_string(), line, col))
            });
            let first = msg.lines().next().unwrap_or_default().trim_start_matches("error: ").to_string();
            match pos {
                Some((name, line, col)) => {
                    Diagnostic::error("E051", &origin(&name), line, col, format!("template `{name}`: {first}"))
                        .help("fix the template; the tera syntax is described in README.md")
                }
                None => Diagnostic::error(
                    "E051",
                    &PathBuf::from(format!("themes/{}/templates", site.config.theme)),
                    0,
                    0,
                    format!("template error: {msg}"),
                )
                .help("fix the template named in the message"),
            }
        }
    }
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    base_url: &'a str,
    language: &'a str,
}

#[derive(Serialize)]
struct PageMeta {
    title: String,
    description: String,
    path: String,
    canonical: String,
    lang: String,
    kind: &'static str,
}

#[derive(Serialize, Clone)]
struct Link {
    name: String,
    path: String,
    count: usize,
}

/// Renders every page of the site. Template errors go to `diags`.
pub fn render(site: &Site, tera: &Tera, diags: &mut Diagnostics) -> Vec<OutFile> {
    render_selected(site, tera, diags, &|_| true)
}

/// Renders only the files whose output path (`reports/x/index.html`, `atom.xml`, `style.css`)
/// `select` accepts; `dossier serve` uses it to redo just the pages a change affects.
pub fn render_selected(
    site: &Site,
    tera: &Tera,
    diags: &mut Diagnostics,
    select: &(dyn Fn(&str) -> bool + Sync),
) -> Vec<OutFile> {
    let mut all = Vec::new();
    let _ = render_each(site, tera, diags, select, false, &mut |files| {
        all.extend(files);
        Ok(())
    });
    all
}

/// Files rendered at a time by [`render_each`] (fewer when pages list many reports).
const PART: usize = 1024;

/// URLs in one sitemap file: the sitemap protocol allows at most 50,000 (and 50 MB, far more than 50,000 of
/// ours take). A larger site's `sitemap.xml` is an index of files holding this many each.
const SITEMAP_URLS: usize = 50_000;

/// [`SITEMAP_URLS`], or the number `DOSSIER_SITEMAP_URLS` sets (so the split can be tested on a small site).
fn sitemap_urls() -> usize {
    std::env::var("DOSSIER_SITEMAP_URLS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(SITEMAP_URLS)
}

/// The report card partial, which the `card` filter shows.
const CARD_TEMPLATE: &str = "partials/card.html";

/// What the `card` filter says when the partial failed; the partial's own error is reported instead.
const CARD_FAILED: &str = "partials/card.html could not be rendered for this report";

/// How many reports' cards a page weighs as much as, for dividing the rendering into parts.
const CARDS_PER_PAGE: usize = 20;

/// Renders the files `select` accepts and hands them to `emit` a few thousand at a time, so a large site is never
/// held in memory whole; with `take_bodies`, each report's body HTML is taken out of the model once its page is
/// made. Template errors go to `diags`; an error of `emit` stops the rendering and is returned.
pub fn render_each(
    site: &Site,
    tera: &Tera,
    diags: &mut Diagnostics,
    select: &(dyn Fn(&str) -> bool + Sync),
    take_bodies: bool,
    emit: &mut dyn FnMut(Vec<OutFile>) -> Result<(), String>,
) -> Result<(), String> {
    let r = Renderer { take_bodies, ..Renderer::new(site, tera) };
    let mut jobs: Vec<Job> = vec![
        Job::Home,
        Job::NotFound,
        Job::TermIndex("countries"),
        Job::TermIndex("topics"),
        Job::TermIndex("years"),
        Job::TermIndex("languages"),
        Job::Organisations,
    ];
    if site.config.search.enabled {
        jobs.push(Job::Search);
    }
    jobs.extend((1..=source_list_pages(site)).map(Job::Sources));
    let pages = site.reports.len().div_ceil(site.config.listing.page_size).max(1);
    jobs.extend((1..=pages).map(Job::Reports));
    jobs.extend((0..site.reports.len()).map(Job::Report));
    let size = site.config.listing.page_size;
    for kind in ["countries", "topics", "years", "languages"] {
        for (i, t) in r.terms(kind).iter().enumerate() {
            jobs.extend((1..=page_count(t.reports.len(), size)).map(|n| Job::Term(kind, i, n)));
        }
    }
    for (i, o) in site.organisations.iter().enumerate() {
        jobs.extend((1..=page_count(o.reports.len(), size)).map(|n| Job::Organisation(i, n)));
    }
    for i in 0..site.sources.len() {
        jobs.extend((1..=source_pages(site, i)).map(|n| Job::Source(i, n)));
    }
    jobs.extend((0..site.pages.len()).map(Job::Page));

    let html_paths: Vec<String> =
        jobs.iter().map(|j| file_of(&r.job_path(j))).filter(|p| p.ends_with(".html") && p != "404.html").collect();
    jobs.retain(|j| select(&file_of(&r.job_path(j))));
    let mut seen = std::collections::BTreeSet::new();
    // Parts of about the same output: a page listing thousands of reports counts for as many pages.
    let mut parts: Vec<&[Job]> = Vec::new();
    let (mut start, mut weight) = (0, 0);
    for (i, j) in jobs.iter().enumerate() {
        weight += r.weight(j);
        if weight >= PART * CARDS_PER_PAGE || i + 1 == jobs.len() {
            parts.push(&jobs[start..=i]);
            (start, weight) = (i + 1, 0);
        }
    }
    for part in parts {
        let results: Vec<Result<OutFile, tera::Error>> = part.par_iter().map(|j| r.job(j)).collect();
        let mut out = Vec::with_capacity(results.len());
        for res in results {
            match res {
                Ok(f) => out.push(f),
                Err(e) => r.error(&e, &mut seen, diags),
            }
        }
        emit(out)?;
    }
    // Each report's citation files go with its page: every path is offered to `select` (so a partial rebuild
    // knows them), and they are made whenever the page is.
    for part in site.reports.chunks(PART) {
        let out: Vec<OutFile> = part
            .par_iter()
            .flat_map_iter(|r| {
                let page = select(&file_of(&r.path));
                citation_files(site, r, &|path| select(path) || page)
            })
            .collect();
        emit(out)?;
    }
    let mut out = Vec::new();
    if select("reports.json") {
        out.push(reports_json(site));
    }
    for path in ["atom.xml", "sitemap.xml", "robots.txt"] {
        if !select(path) {
            continue;
        }
        let made = match path {
            "atom.xml" => r.feed().map(|f| vec![f]),
            "sitemap.xml" => r.sitemap(&html_paths),
            _ => r.plain(path).map(|f| vec![f]),
        };
        match made {
            Ok(f) => out.extend(f),
            Err(e) => diags.push(template_error(site, &e)),
        }
    }
    for s in site.statics.iter().filter(|s| select(&s.path)) {
        out.push(OutFile { path: s.path.clone(), data: OutData::Static(s.data.clone()) });
    }
    emit(out)
}

/// The files of a report's citation data (CSL JSON, BibTeX, its sources as CSL JSON) that `wanted` accepts.
fn citation_files(site: &Site, r: &Report, wanted: &dyn Fn(&str) -> bool) -> Vec<OutFile> {
    let dir = crate::cite::report_dir(r);
    let mut files = Vec::new();
    let csl = format!("{dir}{}", crate::cite::csl_file(r));
    if wanted(&csl) {
        files.push(text_file(csl, crate::cite::csl_lines(&crate::cite::report_csl(site, r))));
    }
    let bib = format!("{dir}{}", crate::cite::bibtex_file(r));
    if wanted(&bib) {
        files.push(text_file(bib, crate::cite::report_bibtex(site, r)));
    }
    let sources = format!("{dir}{}", crate::cite::sources_file(r));
    if wanted(&sources) {
        files.push(text_file(sources, crate::cite::csl_lines(&crate::cite::sources_csl(site, r))));
    }
    files
}

/// One page (with what goes with it) that [`render_parts`] renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// A report's page and its citation files.
    Report(usize),
    /// Page `n` (from 1) of a source.
    Source(usize, usize),
    /// Page `n` (from 1) of an organisation.
    Organisation(usize, usize),
    /// Page `n` (from 1) of the list of all sources.
    Sources(usize),
    /// The list of all organisations.
    Organisations,
    /// Page `n` (from 1) of a country, topic, year or language (`"countries"` …) with its reports.
    Term(&'static str, usize, usize),
    /// Page `n` (from 1) of the list of all reports.
    Listing(usize),
    Home,
    /// The Atom feed of the newest reports.
    Feed,
    /// `reports.json`, every report's metadata.
    ReportsJson,
}

/// Renders just the named pages: what `dossier serve` redoes when only some reports' bodies changed and the
/// model says which other pages show anything of them.
pub fn render_parts(site: &Site, tera: &Tera, diags: &mut Diagnostics, parts: &[Part]) -> Vec<OutFile> {
    let r = Renderer::new(site, tera);
    let results: Vec<Result<Vec<OutFile>, tera::Error>> = parts
        .par_iter()
        .map(|&part| {
            let job = match part {
                Part::Report(i) => Job::Report(i),
                Part::Source(i, n) => Job::Source(i, n),
                Part::Organisation(i, n) => Job::Organisation(i, n),
                Part::Sources(n) => Job::Sources(n),
                Part::Organisations => Job::Organisations,
                Part::Term(kind, i, n) => Job::Term(kind, i, n),
                Part::Listing(n) => Job::Reports(n),
                Part::Home => Job::Home,
                Part::Feed => return Ok(vec![r.feed()?]),
                Part::ReportsJson => return Ok(vec![reports_json(site)]),
            };
            let mut files = vec![r.job(&job)?];
            if let Part::Report(i) = part {
                files.extend(citation_files(site, &site.reports[i], &|_| true));
            }
            Ok(files)
        })
        .collect();
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for res in results {
        match res {
            Ok(files) => out.extend(files),
            Err(e) => r.error(&e, &mut seen, diags),
        }
    }
    out
}

fn reports_json(site: &Site) -> OutFile {
    text_file("reports.json".into(), crate::cite::reports_index(site) + "\n")
}

fn text_file(path: String, text: String) -> OutFile {
    OutFile { path, data: OutData::Text(text) }
}

enum Job {
    Home,
    NotFound,
    /// Page `n` (from 1) of the list of all reports.
    Reports(usize),
    Report(usize),
    TermIndex(&'static str),
    /// Page `n` of a term's reports.
    Term(&'static str, usize, usize),
    Organisations,
    /// Page `n` of an organisation's citing reports; the first also describes it and lists its documents.
    Organisation(usize, usize),
    /// Page `n` of the list of all sources.
    Sources(usize),
    /// Page `n` of a source's citing reports, with the excerpts quoted in them.
    Source(usize, usize),
    Page(usize),
    Search,
}

struct Renderer<'a> {
    site: &'a Site,
    tera: &'a Tera,
    /// Each report as shown in listings, built once when first shown.
    cards: Vec<std::sync::OnceLock<Value>>,
    /// Whether a report's page takes its body out of the model (see [`render_each`]).
    take_bodies: bool,
    /// The sources in the order of their list (by label, date and key), sorted once for all its pages.
    source_order: std::sync::OnceLock<Vec<usize>>,
    /// Per template of [`REQUIRED`]: the size of the last page rendered with it.
    page_sizes: [std::sync::atomic::AtomicUsize; REQUIRED.len()],
    /// The first error of `partials/card.html` rendered on its own, reported in place of the pages it fails.
    card_error: std::sync::Mutex<Option<tera::Error>>,
    /// Each language's phrases as a template value, made once: report pages share them.
    words: std::sync::Mutex<Vec<(&'static str, Value)>>,
}

/// The file a site path is written to: `reports/x/` → `reports/x/index.html`.
pub fn file_of(path: &str) -> String {
    if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.to_string() }
}

/// How many pages a list of `len` reports takes, `size` to a page (an empty list has one page).
pub fn page_count(len: usize, size: usize) -> usize {
    len.div_ceil(size).max(1)
}

/// The pages of source `i`: its citing reports, `list_size` to a page.
pub fn source_pages(site: &Site, i: usize) -> usize {
    page_count(site.sources[i].cited_by.len(), site.config.listing.list_size)
}

/// The pages of the list of all sources, `list_size` to a page.
pub fn source_list_pages(site: &Site) -> usize {
    page_count(site.sources.len(), site.config.listing.list_size)
}

/// The site path of page `n` (from 1) of a paged list whose first page is `section/slug/`
/// (`slug` empty for a section's own list): `countries/austria/page/2/`.
pub fn paged_path(section: &str, slug: &str, n: usize, portable: bool) -> String {
    match (n, slug.is_empty()) {
        (1, _) => site_path(section, slug, portable),
        (_, true) => site_path(section, &format!("page/{n}"), portable),
        (_, false) => site_path(section, &format!("{slug}/page/{n}"), portable),
    }
}

/// A pager, as templates see it: the current page, the page count, and links.
#[derive(Serialize)]
struct Pager {
    current: usize,
    total: usize,
    previous: Option<String>,
    next: Option<String>,
    pages: Vec<serde_json::Value>,
}

/// The pager of page `n` of `total`, linking pages with `path_of`.
fn pager(n: usize, total: usize, path_of: impl Fn(usize) -> String) -> Pager {
    Pager {
        current: n,
        total,
        previous: (n > 1).then(|| path_of(n - 1)),
        next: (n < total).then(|| path_of(n + 1)),
        pages: pager_numbers(n, total)
            .windows(2)
            .map(|w| serde_json::json!({"number": w[1], "path": path_of(w[1]), "gap_before": w[1] > w[0] + 1}))
            .collect(),
    }
}

/// The page numbers a pager links to, after a leading 0: the first and the last page and two either side of
/// `current`. Listing every page would make each pager as long as the archive and all of them together quadratic.
fn pager_numbers(current: usize, total: usize) -> Vec<usize> {
    let mut nums = vec![0, 1];
    nums.extend(current.saturating_sub(2).max(2)..=(current + 2).min(total));
    if total > 1 && nums.last() != Some(&total) {
        nums.push(total);
    }
    nums
}

/// Relative prefix from the page at `path` to the site's top.
fn root_of(path: &str) -> String {
    "../".repeat(file_of(path).matches('/').count())
}

/// Links to a report's countries or topics, named in the report's language.
fn term_links(terms: &[Term], idxs: &[usize], lang: &str) -> Vec<Link> {
    idxs.iter()
        .map(|&i| Link {
            name: terms[i].name_in(lang).to_string(),
            path: terms[i].path.clone(),
            count: terms[i].reports.len(),
        })
        .collect()
}

/// A report page's `report`, as README.md lists it.
#[derive(Serialize)]
struct ReportView<'a> {
    id: &'a str,
    title: &'a str,
    date: String,
    date_iso: String,
    lang: &'a str,
    language: NamedLink<'a>,
    year: NamedLink<'a>,
    kind: Option<&'a str>,
    summary: Option<&'a str>,
    draft: bool,
    countries: Vec<Link>,
    topics: Vec<Link>,
    organisations: Vec<NamedLink<'a>>,
    disclaimer: Option<String>,
    toc: &'a [crate::markdown::Heading],
    body: String,
    accessed_all: Option<&'a str>,
    bibliography: Vec<EntryView<'a>>,
    appendix: Vec<AppendixView<'a>>,
    cite: CiteView<'a>,
}

#[derive(Serialize)]
struct NamedLink<'a> {
    name: String,
    path: &'a str,
}

/// An entry of a report's source list, or of its appendix (then with its excerpts).
#[derive(Serialize)]
struct EntryView<'a> {
    anchor: String,
    text: String,
    url: Option<&'a str>,
    accessed: Option<String>,
    source_path: &'a str,
    key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    excerpts: Option<Vec<ExcerptView<'a>>>,
}

#[derive(Serialize)]
struct ExcerptView<'a> {
    anchor: String,
    html: String,
    citation: &'a str,
    lang: &'a str,
    quote_open: &'static str,
    quote_close: &'static str,
}

#[derive(Serialize)]
struct AppendixView<'a> {
    organisation: &'a str,
    organisation_path: &'a str,
    description: Option<&'a str>,
    entries: Vec<EntryView<'a>>,
}

/// The "cite this report" box and the citation meta tags.
#[derive(Serialize)]
struct CiteView<'a> {
    reference: String,
    publisher: &'a str,
    url: String,
    date_slashed: String,
    accessed: String,
    accessed_phrase: &'static str,
    accessed_iso: String,
    months: String,
    day_dot: bool,
    csl_json: String,
    bibtex: String,
    sources_csl_json: String,
    keywords: String,
}

fn card(site: &Site, r: &Report) -> Value {
    #[derive(Serialize)]
    struct Card<'a> {
        id: &'a str,
        title: &'a str,
        path: &'a str,
        date: String,
        date_iso: String,
        lang: &'a str,
        language: &'a str,
        language_path: &'a str,
        kind: Option<&'a str>,
        summary: Option<&'a str>,
        countries: Vec<Link>,
        topics: Vec<Link>,
    }
    let lang = &site.languages[r.language_term];
    Value::from_serializable(&Card {
        id: &r.id,
        title: &r.title,
        path: &r.path,
        date: r.locale.date(&r.date),
        date_iso: r.date.iso(),
        lang: &r.language,
        language: &lang.name,
        language_path: &lang.path,
        kind: r.kind.as_deref(),
        summary: r.summary.as_deref(),
        countries: term_links(&site.countries, &r.countries, &r.language),
        topics: term_links(&site.topics, &r.topics, &r.language),
    })
}

impl<'a> Renderer<'a> {
    fn new(site: &'a Site, tera: &'a Tera) -> Renderer<'a> {
        Renderer {
            site,
            tera,
            cards: (0..site.reports.len()).map(|_| std::sync::OnceLock::new()).collect(),
            take_bodies: false,
            source_order: std::sync::OnceLock::new(),
            page_sizes: std::array::from_fn(|_| std::sync::atomic::AtomicUsize::new(0)),
            card_error: std::sync::Mutex::new(None),
            words: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The phrases of `loc`, shared (a template value's map is reference-counted).
    fn words(&self, loc: &'static Locale) -> Value {
        let mut words = self.words.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, v)) = words.iter().find(|(code, _)| *code == loc.code) {
            return v.clone();
        }
        let v = Value::from_serializable(&loc.words);
        words.push((loc.code, v.clone()));
        v
    }

    /// Reports a page's template error, once per message; a page failing only because its cards did reports the
    /// card partial's own error instead.
    fn error(&self, e: &tera::Error, seen: &mut std::collections::BTreeSet<String>, diags: &mut Diagnostics) {
        let card = self.card_error.lock().unwrap_or_else(|p| p.into_inner());
        let d = match card.as_ref().filter(|_| e.to_string().contains(CARD_FAILED)) {
            Some(card) => template_error(self.site, card).help(format!(
                "{CARD_TEMPLATE} is rendered once per report and shared by every page listing it, so it sees only `r`, `root`, `card_heading`, `site`, `ui` and `nav`"
            )),
            None => template_error(self.site, e),
        };
        if seen.insert(d.message.clone()) {
            diags.push(d);
        }
    }

    /// Report `i` as shown in listings, with `html`: `partials/card.html` rendered for it once, with stand-ins
    /// for `root` and `card_heading` that the `card` filter fills in per page (or `html_error` if it failed).
    fn card(&self, i: usize) -> &Value {
        self.cards[i].get_or_init(|| {
            let value = card(self.site, &self.site.reports[i]);
            if !self.tera.contains_template(CARD_TEMPLATE) {
                return value;
            }
            let mut ctx = Context::new();
            ctx.insert_value("r", value.clone());
            ctx.insert_value("root", Value::safe_string(CARD_ROOT));
            ctx.insert_value("card_heading", Value::safe_string(CARD_HEADING));
            let (key, html) = match self.tera.render(CARD_TEMPLATE, &ctx) {
                Ok(html) => ("html", Value::safe_string(&html)),
                Err(e) => {
                    self.card_error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                    ("html_error", Value::from(CARD_FAILED))
                }
            };
            let mut map = value.as_map().cloned().unwrap_or_default();
            map.insert(key.into(), html);
            Value::from(map)
        })
    }

    fn terms(&self, kind: &str) -> &[Term] {
        match kind {
            "countries" => &self.site.countries,
            "topics" => &self.site.topics,
            "years" => &self.site.years,
            _ => &self.site.languages,
        }
    }

    fn kind_title(&self, kind: &str) -> &'static str {
        let w = &self.site.ui.words;
        match kind {
            "countries" => w.countries,
            "topics" => w.topics,
            "years" => w.years,
            _ => w.languages,
        }
    }

    fn page(
        &self,
        path: &str,
        title: String,
        description: Option<&str>,
        lang: &str,
        kind: &'static str,
    ) -> (Context, String) {
        let mut ctx = Context::new();
        let root = if kind == "404" { self.site.config.base_path() } else { root_of(path) };
        let canonical = format!("{}{}", self.site.config.base_url, path.strip_suffix("index.html").unwrap_or(path));
        ctx.insert("root", &root);
        ctx.insert(
            "page",
            &PageMeta {
                title,
                description: description.map_or_else(|| self.site.config.description.clone(), str::to_string),
                path: path.to_string(),
                canonical,
                lang: lang.to_string(),
                kind,
            },
        );
        (ctx, root)
    }

    fn cards(&self, idxs: &[usize]) -> Value {
        Value::from(idxs.iter().map(|&i| self.card(i).clone()).collect::<Vec<Value>>())
    }

    /// Renders `template` into the page at `path`, in a buffer a quarter larger than the template's last page (tera's
    /// own first guess comes from the template's size alone, and a report's page outgrew it twice).
    fn html(&self, template: &str, path: &str, ctx: &Context) -> Result<OutFile, tera::Error> {
        use std::sync::atomic::Ordering::Relaxed;
        let last = REQUIRED.iter().position(|t| *t == template).map(|i| &self.page_sizes[i]);
        let hint = last.map_or(0, |l| l.load(Relaxed));
        let mut out = Vec::with_capacity(hint + hint / 4);
        self.tera.render_to(template, ctx, &mut out)?;
        if let Some(l) = last {
            l.store(out.len(), Relaxed);
        }
        Ok(OutFile { path: file_of(path), data: OutData::Page(out) })
    }

    fn link(&self, section: &str, slug: &str) -> String {
        site_path(section, slug, self.site.portable)
    }

    /// Page `n` (from 1) of a paged list whose first page is `section/slug/`.
    fn paged(&self, section: &str, slug: &str, n: usize) -> String {
        paged_path(section, slug, n, self.site.portable)
    }

    /// The reports on page `n` of a paged list of `all`, and the pager, which links pages with `path_of`.
    fn paginate<'r>(&self, all: &'r [usize], n: usize, path_of: impl Fn(usize) -> String) -> (&'r [usize], Pager) {
        self.paginate_by(all, self.site.config.listing.page_size, n, path_of)
    }

    /// Page `n` of `all`, `size` to a page, and the pager.
    fn paginate_by<'r, T>(
        &self,
        all: &'r [T],
        size: usize,
        n: usize,
        path_of: impl Fn(usize) -> String,
    ) -> (&'r [T], Pager) {
        let shown = &all[((n - 1) * size).min(all.len())..(n * size).min(all.len())];
        (shown, pager(n, page_count(all.len(), size), path_of))
    }

    /// About how large a job's page is, counted in reports' cards.
    fn weight(&self, job: &Job) -> usize {
        let site = self.site;
        CARDS_PER_PAGE
            + match *job {
                Job::Term(..) => site.config.listing.page_size,
                Job::Organisation(i, 1) => site.config.listing.page_size + site.organisations[i].sources.len(),
                Job::Organisation(..) => site.config.listing.page_size,
                Job::Source(i, _) => {
                    let s = &site.sources[i];
                    site.config.listing.list_size.min(s.cited_by.len()) + s.excerpts.len() / source_pages(site, i)
                }
                Job::Sources(_) => site.config.listing.list_size / 4,
                _ => 0,
            }
    }

    /// The site path a job renders, as the job itself computes it.
    fn job_path(&self, job: &Job) -> String {
        let site = self.site;
        match *job {
            Job::Home => self.link("", ""),
            Job::NotFound => "404.html".into(),
            Job::Reports(1) => self.link("reports", ""),
            Job::Reports(n) => self.link("reports", &format!("page/{n}")),
            Job::Report(i) => site.reports[i].path.clone(),
            Job::TermIndex(kind) => self.link(kind, ""),
            Job::Term(kind, i, n) => self.paged(kind, &self.terms(kind)[i].slug, n),
            Job::Organisations => self.link("organisations", ""),
            Job::Organisation(i, n) => self.paged("organisations", &site.organisations[i].slug, n),
            Job::Sources(n) => self.paged("sources", "", n),
            Job::Source(i, n) => self.paged("sources", &site.sources[i].key, n),
            Job::Page(i) => site.pages[i].path.clone(),
            Job::Search => self.link("search", ""),
        }
    }

    fn job(&self, job: &Job) -> Result<OutFile, tera::Error> {
        let site = self.site;
        let ui = site.ui;
        let lang = site.config.language.as_str();
        match *job {
            Job::Home => {
                let path = self.link("", "");
                let (mut ctx, _) = self.page(&path, site.config.title.clone(), None, lang, "home");
                let newest: Vec<usize> = (0..site.reports.len().min(site.config.listing.page_size)).collect();
                ctx.insert_value("reports", self.cards(&newest));
                ctx.insert(
                    "counts",
                    &BTreeMap::from([
                        ("reports", site.reports.len()),
                        ("organisations", site.organisations.len()),
                        ("sources", site.sources.len()),
                        ("countries", site.countries.len()),
                        ("topics", site.topics.len()),
                    ]),
                );
                for kind in ["countries", "topics", "years", "languages"] {
                    ctx.insert(kind, &self.term_links(kind));
                }
                ctx.insert("all_reports_path", &self.link("reports", ""));
                self.html("index.html", &path, &ctx)
            }
            Job::NotFound => {
                let (mut ctx, _) = self.page("404.html", ui.words.not_found.to_string(), None, lang, "404");
                ctx.insert("all_reports_path", &self.link("reports", ""));
                self.html("404.html", "404.html", &ctx)
            }
            Job::Reports(n) => {
                let size = site.config.listing.page_size;
                let page_path = |n: usize| {
                    if n == 1 { self.link("reports", "") } else { self.link("reports", &format!("page/{n}")) }
                };
                let path = page_path(n);
                let total = site.reports.len().div_ceil(size).max(1);
                let title = if n == 1 {
                    ui.words.all_reports.to_string()
                } else {
                    format!("{} – {} {n}", ui.words.all_reports, ui.words.page)
                };
                let (mut ctx, _) = self.page(&path, title, None, lang, "reports");
                let idxs: Vec<usize> = (((n - 1) * size)..(n * size).min(site.reports.len())).collect();
                ctx.insert_value("reports", self.cards(&idxs));
                ctx.insert("pagination", &pager(n, total, page_path));
                ctx.insert("total", &site.reports.len());
                self.html("reports.html", &path, &ctx)
            }
            Job::Report(i) => self.report(i),
            Job::TermIndex(kind) => {
                let path = self.link(kind, "");
                let (mut ctx, _) = self.page(&path, self.kind_title(kind).to_string(), None, lang, "taxonomy");
                ctx.insert("kind", kind);
                ctx.insert("terms", &self.term_links(kind));
                self.html("taxonomy.html", &path, &ctx)
            }
            Job::Term(kind, i, n) => {
                let term = &self.terms(kind)[i];
                let path = self.paged(kind, &term.slug, n);
                let title = if n == 1 { term.name.clone() } else { format!("{} – {} {n}", term.name, ui.words.page) };
                let (mut ctx, _) = self.page(&path, title, None, lang, "term");
                ctx.insert("kind", kind);
                ctx.insert("kind_title", self.kind_title(kind));
                ctx.insert("kind_path", &self.link(kind, ""));
                ctx.insert(
                    "term",
                    &Link { name: term.name.clone(), path: term.path.clone(), count: term.reports.len() },
                );
                let (shown, pagination) = self.paginate(&term.reports, n, |n| self.paged(kind, &term.slug, n));
                ctx.insert_value("reports", self.cards(shown));
                ctx.insert("pagination", &pagination);
                self.html("term.html", &path, &ctx)
            }
            Job::Organisations => {
                let path = self.link("organisations", "");
                let (mut ctx, _) = self.page(&path, ui.words.organisations.to_string(), None, lang, "organisations");
                let mut groups: Vec<(String, Vec<serde_json::Value>)> = Vec::new();
                let mut orgs: Vec<&crate::model::Organisation> = site.organisations.iter().collect();
                orgs.sort_by_cached_key(|o| sort_key(&o.name));
                for o in orgs {
                    let letter = sort_key(&o.name)
                        .chars()
                        .next()
                        .map_or('#', |c| if c.is_alphabetic() { c.to_ascii_uppercase() } else { '#' })
                        .to_string();
                    let entry = serde_json::json!({"name": o.name, "short": o.short, "path": o.path, "documents": o.sources.len(), "reports": o.reports.len()});
                    match groups.last_mut() {
                        Some((l, v)) if *l == letter => v.push(entry),
                        _ => groups.push((letter, vec![entry])),
                    }
                }
                ctx.insert(
                    "groups",
                    &groups
                        .into_iter()
                        .map(|(letter, orgs)| serde_json::json!({"letter": letter, "organisations": orgs}))
                        .collect::<Vec<_>>(),
                );
                self.html("organisations.html", &path, &ctx)
            }
            Job::Organisation(i, n) => {
                let o = &site.organisations[i];
                let description = o
                    .description
                    .get(lang)
                    .or_else(|| o.description.get("en"))
                    .or_else(|| o.description.values().next());
                let path = self.paged("organisations", &o.slug, n);
                let title = if n == 1 { o.name.clone() } else { format!("{} – {} {n}", o.name, ui.words.page) };
                let (mut ctx, _) = self.page(&path, title, description.map(String::as_str), lang, "organisation");
                let descriptions: Vec<serde_json::Value> = o.description.iter().map(|(l, t)| serde_json::json!({"lang": l, "language": crate::text::language_name(l, ui), "text": t})).collect();
                ctx.insert(
                    "organisation",
                    &serde_json::json!({
                        "name": o.name, "short": o.short, "url": o.url, "seat": o.seat, "aliases": o.aliases,
                        "description": description, "descriptions": descriptions, "slug": o.slug,
                    }),
                );
                // Its documents are listed on the first page only.
                let docs: Vec<serde_json::Value> = o.sources.iter().filter(|_| n == 1).map(|&s| {
                    let src = &site.sources[s];
                    serde_json::json!({"title": src.title, "lang": src.language, "path": src.path, "date": ui.date(&src.date), "date_iso": src.date.iso(), "url": src.url, "citing": src.cited_by.len(), "reference": src.reference(&site.organisations)})
                }).collect();
                ctx.insert("documents", &docs);
                ctx.insert("document_count", &o.sources.len());
                let (shown, pagination) = self.paginate(&o.reports, n, |n| self.paged("organisations", &o.slug, n));
                ctx.insert_value("reports", self.cards(shown));
                ctx.insert("report_count", &o.reports.len());
                ctx.insert("pagination", &pagination);
                self.html("organisation.html", &path, &ctx)
            }
            Job::Sources(n) => {
                let path = self.paged("sources", "", n);
                let title = if n == 1 {
                    ui.words.sources.to_string()
                } else {
                    format!("{} – {} {n}", ui.words.sources, ui.words.page)
                };
                let (mut ctx, _) = self.page(&path, title, None, lang, "sources");
                let order = self.source_order.get_or_init(|| {
                    let mut order: Vec<usize> = (0..site.sources.len()).collect();
                    order.sort_by_cached_key(|&i| {
                        let s = &site.sources[i];
                        (sort_key(s.label(&site.organisations)), s.date, s.key.clone())
                    });
                    order
                });
                let (shown, pagination) =
                    self.paginate_by(order, site.config.listing.list_size, n, |n| self.paged("sources", "", n));
                let entries: Vec<serde_json::Value> = shown.iter().map(|&i| {
                    let s = &site.sources[i];
                    serde_json::json!({
                        "reference": format!("{}, {}", s.reference(&site.organisations), ui.date(&s.date)), "path": s.path, "citing": s.cited_by.len()
                    })
                }).collect();
                ctx.insert("sources", &entries);
                ctx.insert("source_count", &site.sources.len());
                ctx.insert("pagination", &pagination);
                self.html("sources.html", &path, &ctx)
            }
            Job::Source(i, n) => self.source(i, n),
            Job::Search => {
                let path = self.link("search", "");
                let (ctx, _) = self.page(&path, ui.words.search.to_string(), None, lang, "search");
                self.html("search.html", &path, &ctx)
            }
            Job::Page(i) => {
                let p = &site.pages[i];
                let (mut ctx, root) = self.page(&p.path, p.title.clone(), p.summary.as_deref(), &p.language, "page");
                let body = fill_citations(&p.html, &p.citations, |s| [&root, &site.sources[s].path]);
                ctx.insert("content", &body);
                self.html("page.html", &p.path, &ctx)
            }
        }
    }

    fn term_links(&self, kind: &str) -> Vec<Link> {
        self.terms(kind)
            .iter()
            .map(|t| Link { name: t.name.clone(), path: t.path.clone(), count: t.reports.len() })
            .collect()
    }

    fn report(&self, i: usize) -> Result<OutFile, tera::Error> {
        let site = self.site;
        let r = &site.reports[i];
        let loc: &Locale = r.locale;
        let (mut ctx, root) =
            self.page(&r.path, format!("{} [{}]", r.title, r.id), r.summary.as_deref(), &r.language, "report");
        let base = r.language.split('-').next().unwrap_or_default();
        // Sources a disclaimer cites are not in the report's source list: they link to their own pages.
        let disclaimer = site
            .disclaimers
            .get(&r.language)
            .or_else(|| site.disclaimers.get(base))
            .map(|d| fill_citations(&d.html, &d.citations, |s| [&root, &site.sources[s].path]));
        let in_report = |s: usize| ["#src-", site.sources[s].key.as_str()];
        let entry = |b: &crate::model::BibEntry, anchor: String| {
            let s = &site.sources[b.source];
            EntryView {
                anchor,
                text: b.text(site, r),
                url: s.url.as_deref(),
                accessed: b.accessed(r),
                source_path: &s.path,
                key: &s.key,
                excerpts: None,
            }
        };
        let appendix: Vec<AppendixView> = r
            .appendix
            .iter()
            .map(|g| {
                let o = &site.organisations[g.organisation];
                AppendixView {
                    organisation: &o.name,
                    organisation_path: &o.path,
                    description: g.description.as_deref(),
                    entries: g
                        .entries
                        .iter()
                        .map(|e| {
                            let b = &r.bibliography[e.bib];
                            let excerpts = e
                                .excerpts
                                .iter()
                                .enumerate()
                                .map(|(n, x)| ExcerptView {
                                    anchor: format!("x-{}-{}", site.sources[x.source].key, n + 1),
                                    html: quote_html(
                                        &fill_citations(&x.html, &r.citations, in_report),
                                        x.quote_open,
                                        x.quote_close,
                                    ),
                                    citation: &x.citation,
                                    lang: &x.language,
                                    quote_open: x.quote_open,
                                    quote_close: x.quote_close,
                                })
                                .collect();
                            EntryView {
                                excerpts: Some(excerpts),
                                ..entry(b, format!("annex-{}", site.sources[b.source].key))
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        let language = &site.languages[r.language_term];
        let dir = crate::cite::report_dir(r);
        let today = site.day;
        let cite = CiteView {
            reference: crate::cite::reference(site, r),
            publisher: site.config.publisher(),
            url: crate::cite::absolute_url(site, &r.path),
            date_slashed: r.date.iso().replace('-', "/"),
            accessed: loc.with_date(loc.words.accessed_one, &today),
            accessed_phrase: loc.words.accessed_one,
            accessed_iso: today.iso(),
            months: loc.months().join(","),
            day_dot: loc.day_dot(),
            csl_json: format!("{dir}{}", crate::cite::csl_file(r)),
            bibtex: format!("{dir}{}", crate::cite::bibtex_file(r)),
            sources_csl_json: format!("{dir}{}", crate::cite::sources_file(r)),
            keywords: r.topics.iter().map(|&t| site.topics[t].name_in(&r.language)).collect::<Vec<_>>().join("; "),
        };
        ctx.insert("json_ld", &crate::cite::report_json_ld(site, r));
        let year = &site.years[r.year];
        ctx.insert(
            "report",
            &ReportView {
                id: &r.id,
                title: &r.title,
                date: loc.date(&r.date),
                date_iso: r.date.iso(),
                lang: &r.language,
                // Named in the report's language, like its countries and topics.
                language: NamedLink { name: crate::text::language_name(&r.language, loc), path: &language.path },
                year: NamedLink { name: year.name.clone(), path: &year.path },
                kind: r.kind.as_deref(),
                summary: r.summary.as_deref(),
                draft: r.draft,
                countries: term_links(&site.countries, &r.countries, &r.language),
                topics: term_links(&site.topics, &r.topics, &r.language),
                organisations: r
                    .organisations
                    .iter()
                    .map(|&o| NamedLink { name: site.organisations[o].name.clone(), path: &site.organisations[o].path })
                    .collect(),
                disclaimer,
                toc: &r.toc,
                body: fill_citations(
                    &if self.take_bodies { r.html.take() } else { r.html.get() },
                    &r.citations,
                    in_report,
                ),
                accessed_all: r.accessed_all.as_deref(),
                bibliography: r
                    .bibliography
                    .iter()
                    .map(|b| entry(b, format!("src-{}", site.sources[b.source].key)))
                    .collect(),
                appendix,
                cite,
            },
        );
        ctx.insert_value("words", self.words(r.locale));
        self.html("report.html", &r.path, &ctx)
    }

    /// Page `n` of source `i`: what it is, `list_size` of its citing reports, and the excerpts quoted from it in
    /// those reports.
    fn source(&self, i: usize, n: usize) -> Result<OutFile, tera::Error> {
        let site = self.site;
        let ui = site.ui;
        let s = &site.sources[i];
        let o = &site.organisations[s.organisation];
        let lang = site.config.language.as_str();
        let path = self.paged("sources", &s.key, n);
        let title = if n == 1 { s.title.clone() } else { format!("{} – {} {n}", s.title, ui.words.page) };
        let (mut ctx, root) = self.page(&path, title, None, lang, "source");
        ctx.insert("source", &serde_json::json!({
            "key": s.key, "title": s.title, "label": s.label(&site.organisations), "reference": s.reference(&site.organisations),
            "date": ui.date(&s.date), "date_iso": s.date.iso(), "url": s.url, "type": s.kind, "language": s.language.as_deref().map(|l| crate::text::language_name(l, ui)),
            "lang": s.language, "symbol": s.symbol,
        }));
        ctx.insert("organisation", &serde_json::json!({"name": o.name, "short": o.short, "path": o.path}));
        let size = site.config.listing.list_size;
        let (shown, pagination) = self.paginate_by(&s.cited_by, size, n, |n| self.paged("sources", &s.key, n));
        // Built as template values directly: cards are shared, not copied.
        let cited: Vec<Value> = shown
            .iter()
            .map(|u| {
                let r = &site.reports[u.report];
                let anchor = [r.path.as_str(), "#src-", s.key.as_str()].concat();
                value_map([
                    ("report", self.card(u.report).clone()),
                    ("locators", Value::from(u.locators.join(", "))),
                    ("anchor", Value::from(anchor)),
                ])
            })
            .collect();
        ctx.insert_value("cited_by", Value::from(cited));
        ctx.insert("cited_count", &s.cited_by.len());
        ctx.insert("pagination", &pagination);
        // An excerpt goes on the page where its report is, or would be, in the list of citing reports; both
        // lists are in report order.
        let page_of = |report: usize| s.cited_by.partition_point(|u| u.report < report) / size + 1;
        let last = pagination.total;
        // The report of an excerpt is its card (which holds its id, title, path and language), shared.
        let excerpts: Vec<Value> = s
            .excerpts
            .iter()
            .filter(|x| page_of(x.0).min(last) == n)
            .map(|&(ri, gi, ei, xi)| {
                let r = &site.reports[ri];
                let x = &r.appendix[gi].entries[ei].excerpts[xi];
                value_map([
                    ("report", self.card(ri).clone()),
                    (
                        "html",
                        Value::from(quote_html(
                            &fill_citations(&x.html, &r.citations, |s| [&root, &site.sources[s].path]),
                            x.quote_open,
                            x.quote_close,
                        )),
                    ),
                    ("citation", Value::from(x.citation.as_str())),
                    ("lang", Value::from(x.language.as_str())),
                    ("quote_open", Value::from(x.quote_open)),
                    ("quote_close", Value::from(x.quote_close)),
                ])
            })
            .collect();
        ctx.insert_value("excerpts", Value::from(excerpts));
        ctx.insert("excerpt_count", &s.excerpts.len());
        self.html("source.html", &path, &ctx)
    }

    fn feed(&self) -> Result<OutFile, tera::Error> {
        let site = self.site;
        let (mut ctx, _) = self.page("atom.xml", site.config.title.clone(), None, &site.config.language, "feed");
        let entries: Vec<serde_json::Value> = site.reports.iter().take(site.config.listing.feed_size).map(|r| serde_json::json!({
            "id": r.id, "title": r.title, "url": format!("{}{}", site.config.base_url, r.path.strip_suffix("index.html").unwrap_or(&r.path)),
            "updated": format!("{}T00:00:00Z", r.date.iso()), "summary": r.summary, "lang": r.language,
        })).collect();
        let updated = site
            .reports
            .first()
            .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |r| format!("{}T00:00:00Z", r.date.iso()));
        ctx.insert("entries", &entries);
        ctx.insert("updated", &updated);
        Ok(OutFile { path: "atom.xml".into(), data: OutData::Text(self.tera.render("atom.xml", &ctx)?) })
    }

    /// `sitemap.xml` with every URL, or, past [`SITEMAP_URLS`] of them, an index of `sitemap-1.xml`,
    /// `sitemap-2.xml`, … that hold them.
    fn sitemap(&self, html_paths: &[String]) -> Result<Vec<OutFile>, tera::Error> {
        let base = &self.site.config.base_url;
        let urls: Vec<String> = html_paths
            .iter()
            .map(|p| {
                let p = if self.site.portable { p.as_str() } else { p.strip_suffix("index.html").unwrap_or(p) };
                format!("{base}{p}")
            })
            .collect();
        let render = |name: &str, urls: &[String], sitemaps: &[String]| -> Result<OutFile, tera::Error> {
            let (mut ctx, _) = self.page(name, String::new(), None, &self.site.config.language, "sitemap");
            ctx.insert("urls", urls);
            ctx.insert("sitemaps", sitemaps);
            Ok(OutFile { path: name.into(), data: OutData::Text(self.tera.render("sitemap.xml", &ctx)?) })
        };
        let limit = sitemap_urls();
        if urls.len() <= limit {
            return Ok(vec![render("sitemap.xml", &urls, &[])?]);
        }
        let mut files = Vec::new();
        let mut sitemaps = Vec::new();
        for (k, chunk) in urls.chunks(limit).enumerate() {
            let name = format!("sitemap-{}.xml", k + 1);
            files.push(render(&name, chunk, &[])?);
            sitemaps.push(format!("{base}{name}"));
        }
        files.push(render("sitemap.xml", &[], &sitemaps)?);
        Ok(files)
    }

    fn plain(&self, name: &str) -> Result<OutFile, tera::Error> {
        let (ctx, _) = self.page(name, String::new(), None, &self.site.config.language, "plain");
        Ok(OutFile { path: name.into(), data: OutData::Text(self.tera.render(name, &ctx)?) })
    }
}

/// A template map of these fields, without serde or a `BTreeMap` on the way.
fn value_map<const N: usize>(fields: [(&'static str, Value); N]) -> Value {
    let mut map = tera::Map::default();
    map.reserve(N);
    for (k, v) in fields {
        map.insert(tera::value::Key::Str(k), v);
    }
    Value::from(map)
}

/// Replaces citation marks with "(Label, Date, S. 6; …)", each item linked by `href`.
pub fn fill_citations<'a>(html: &str, citations: &[Citation], href: impl Fn(usize) -> [&'a str; 2]) -> String {
    let Some(first) = find_mark(html) else {
        return html.to_string();
    };
    // A citation link takes about a hundred bytes more than its mark.
    let mut out = String::with_capacity(html.len() + 128 * citations.len().max(1));
    out.push_str(&html[..first]);
    let mut rest = &html[first..];
    while let Some(start) = find_mark(rest) {
        out.push_str(&rest[..start]);
        let after = &rest[start + MARK_OPEN.len_utf8()..];
        let Some(end) = after.find(MARK_CLOSE) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let n: usize = after[..end].parse().unwrap_or(usize::MAX);
        match citations.get(n) {
            Some(c) => {
                out.push_str("<span class=\"citation\">(");
                for (i, item) in c.items.iter().enumerate() {
                    if i > 0 {
                        out.push_str("; ");
                    }
                    if !item.prefix.is_empty() {
                        escape_into(&mut out, &item.prefix);
                        out.push(' ');
                    }
                    match item.source {
                        Some(s) => {
                            out.push_str("<a href=\"");
                            for part in href(s) {
                                escape_into(&mut out, part);
                            }
                            out.push_str("\">");
                            escape_into(&mut out, &item.text);
                            out.push_str("</a>");
                        }
                        None => escape_into(&mut out, &item.text),
                    }
                    if !item.locator.is_empty() {
                        out.push_str(", ");
                        escape_into(&mut out, &item.locator);
                    }
                }
                out.push_str(")</span>");
            }
            None => out.push_str(&escape(&c_text_fallback(n))),
        }
        rest = &after[end + MARK_CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The byte position of the first citation mark in `html`.
fn find_mark(html: &str) -> Option<usize> {
    find_private(html, MARK_OPEN)
}

/// The byte position of the first `c`, a character of the private-use area U+E000–U+EFFF, in `text`. All of them
/// start with the byte 0xEE, which starts no other character, so `memchr` looks for that byte (32 at a time): the
/// standard search looks for a character's last byte, here one that Cyrillic and punctuation share.
fn find_private(text: &str, c: char) -> Option<usize> {
    const LEAD: u8 = 0xEE;
    debug_assert!(('\u{E000}'..='\u{EFFF}').contains(&c));
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        let at = i + memchr::memchr(LEAD, &bytes[i..])?;
        // Other private-use characters share the first byte (and the length): the whole character is compared.
        if text[at..].starts_with(c) {
            return Some(at);
        }
        i = at + c.len_utf8();
    }
}

/// Puts the report language's quotation marks around a whole (multi-paragraph) excerpt:
/// after the first `<p>` and before the last `</p>`.
pub fn quote_html(html: &str, open: &str, close: &str) -> String {
    let html = html.trim_end();
    match (html.find("<p>"), html.rfind("</p>")) {
        (Some(a), Some(b)) if a < b => format!("{}{open}{}{close}{}", &html[..a + 3], &html[a + 3..b], &html[b..]),
        _ => format!("{open}{html}{close}"),
    }
}

fn c_text_fallback(n: usize) -> String {
    format!("[citation {n}]")
}

#[cfg(test)]
mod tests {
    #[test]
    fn pager_shows_the_ends_and_the_neighbourhood() {
        assert_eq!(super::pager_numbers(1, 1), [0, 1]);
        assert_eq!(super::pager_numbers(1, 3), [0, 1, 2, 3]);
        assert_eq!(super::pager_numbers(1, 500), [0, 1, 2, 3, 500]);
        assert_eq!(super::pager_numbers(250, 500), [0, 1, 248, 249, 250, 251, 252, 500]);
        assert_eq!(super::pager_numbers(499, 500), [0, 1, 497, 498, 499, 500]);
    }

    use super::*;

    #[test]
    fn roots_are_relative() {
        assert_eq!(root_of(""), "");
        assert_eq!(root_of("index.html"), "");
        assert_eq!(root_of("reports/a-1/"), "../../");
        assert_eq!(root_of("reports/page/2/index.html"), "../../../");
        assert_eq!(file_of("reports/"), "reports/index.html");
    }

    #[test]
    fn citation_marks_are_found_past_other_private_use_characters() {
        let mark = format!("{MARK_OPEN}0{MARK_CLOSE}");
        for before in ["", "a", "Привет – „so“ ", "\u{e0ff}", "x\u{e000}", "\u{e001}\u{e0ff}abcdefghijklmnop"]
        {
            let html = format!("{before}{mark} tail");
            let expected = if before.contains(MARK_OPEN) { before.find(MARK_OPEN) } else { Some(before.len()) };
            assert_eq!(find_mark(&html), expected, "{before:?}");
        }
        assert_eq!(find_mark("Привет \u{e0ff} – keine Marke hier, auch nach acht Bytes nicht"), None);
        let many = "\u{e0ff}".repeat(10_000);
        assert_eq!(find_private(&format!("{many}у\u{e003}"), '\u{e003}'), Some(many.len() + "у".len()));
    }
}
