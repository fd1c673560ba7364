//! Citation data for readers and tools: each report as CSL-JSON and BibTeX, its sources as
//! CSL-JSON, schema.org JSON-LD for its page, and the archive-wide `reports.json`.
//! Everything here is derived from the model; `render` writes it out.

use crate::model::{Report, Site, Source};
use crate::text::Date;
use rayon::prelude::*;
use serde::Serialize;

/// The absolute URL of a page at `path` (without a trailing `index.html`).
pub fn absolute_url(site: &Site, path: &str) -> String {
    format!("{}{}", site.config.base_url, path.strip_suffix("index.html").unwrap_or(path))
}

/// File names of a report's downloads, inside the report's folder.
pub fn csl_file(r: &Report) -> String {
    format!("{}.csl.json", r.id)
}
pub fn bibtex_file(r: &Report) -> String {
    format!("{}.bib", r.id)
}
pub fn sources_file(r: &Report) -> String {
    format!("{}-sources.csl.json", r.id)
}

/// The folder of a report's page (`reports/x/`), where its downloads are written.
pub fn report_dir(r: &Report) -> &str {
    r.path.strip_suffix("index.html").unwrap_or(&r.path)
}

/// A CSL-JSON date: `{"date-parts": [[2024, 4, 26]]}` at the date's own precision.
#[derive(Debug, Serialize)]
pub struct CslDate {
    #[serde(rename = "date-parts")]
    parts: [Vec<i32>; 1],
}

fn csl_date(d: &Date) -> CslDate {
    let mut parts = vec![d.year];
    if let Some(m) = d.month {
        parts.push(m.into());
        if let Some(day) = d.day {
            parts.push(day.into());
        }
    }
    CslDate { parts: [parts] }
}

#[derive(Debug, Serialize)]
struct Literal<'a> {
    literal: &'a str,
}

/// One CSL-JSON item, its fields in the order of their names (as the files have always listed them); absent
/// fields are left out.
#[derive(Debug, Serialize)]
pub struct CslItem<'a> {
    #[serde(rename = "URL", skip_serializing_if = "Option::is_none")]
    url: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "abstract", skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    accessed: Option<CslDate>,
    author: [Literal<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    genre: Option<&'a str>,
    id: &'a str,
    issued: CslDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<&'a str>,
    title: &'a str,
    #[serde(rename = "title-short", skip_serializing_if = "Option::is_none")]
    title_short: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// CSL-JSON items, one to a line: as readable in a diff, and half the size of `serde_json`'s pretty form (whose
/// every date part takes a line).
pub fn csl_lines(items: &[CslItem<'_>]) -> String {
    if items.is_empty() {
        return "[]\n".to_string();
    }
    let mut out = Vec::with_capacity(400 * items.len());
    out.extend_from_slice(b"[\n");
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            out.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut out, item).expect("CSL items serialise");
    }
    out.extend_from_slice(b"\n]\n");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// The reference of a report as a reader would write it, without the access note:
/// "Publisher: Title [id], 26 April 2024. https://…".
pub fn reference(site: &Site, r: &Report) -> String {
    format!(
        "{}: {} [{}], {}. {}",
        site.config.publisher(),
        r.title,
        r.id,
        r.locale.date(&r.date),
        absolute_url(site, &r.path)
    )
}

/// One report as a CSL-JSON item (a list of one, as reference managers expect).
pub fn report_csl<'a>(site: &'a Site, r: &'a Report) -> Vec<CslItem<'a>> {
    let publisher = site.config.publisher();
    vec![CslItem {
        url: Some(absolute_url(site, &r.path).into()),
        summary: r.summary.as_deref(),
        accessed: None,
        author: [Literal { literal: publisher }],
        genre: r.kind.as_deref(),
        id: &r.id,
        issued: csl_date(&r.date),
        language: Some(&r.language),
        note: None,
        number: Some(&r.id),
        publisher: Some(publisher),
        title: &r.title,
        title_short: None,
        kind: "report",
    }]
}

/// CSL type of a source's `type`: the CSL names pass through, anything else is a document.
fn csl_type(kind: Option<&str>) -> &'static str {
    match kind.unwrap_or_default() {
        "report" | "un-document" => "report",
        "webpage" => "webpage",
        "dataset" => "dataset",
        "article-newspaper" | "newspaper-article" => "article-newspaper",
        "article-journal" | "article" => "article-journal",
        "book" => "book",
        "legislation" | "law" => "legislation",
        _ => "document",
    }
}

fn source_csl<'a>(site: &'a Site, s: &'a Source) -> CslItem<'a> {
    CslItem {
        url: s.url.as_deref().map(Into::into),
        summary: None,
        accessed: None,
        author: [Literal { literal: &site.organisations[s.organisation].name }],
        genre: None,
        id: &s.key,
        issued: csl_date(&s.date),
        language: s.language.as_deref(),
        note: None,
        number: s.symbol.as_deref(),
        publisher: None,
        title: &s.title,
        title_short: s.label.as_deref(),
        kind: csl_type(s.kind.as_deref()),
    }
}

/// The sources a report cites, in source-list order, as CSL-JSON with their access dates.
pub fn sources_csl<'a>(site: &'a Site, r: &'a Report) -> Vec<CslItem<'a>> {
    r.bibliography
        .iter()
        .map(|b| CslItem {
            accessed: b.accessed_on.as_ref().map(csl_date),
            note: b.downloaded_on.as_ref().map(|d| format!("downloaded {}", d.iso())),
            ..source_csl(site, &site.sources[b.source])
        })
        .collect()
}

/// Escapes text for a braced BibTeX field.
fn bibtex_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\^{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '\n' | '\r' | '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A URL for a BibTeX `url` field: braces, backslashes, quotes and spaces, which would
/// break the field, are percent-encoded; existing `%xx` escapes stay as they are.
fn bibtex_url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '\\' => out.push_str("%5C"),
            ' ' => out.push_str("%20"),
            '"' => out.push_str("%22"),
            _ => out.push(c),
        }
    }
    out
}

/// One report as a BibTeX `@techreport` entry, keyed by its id.
pub fn report_bibtex(site: &Site, r: &Report) -> String {
    let publisher = bibtex_text(site.config.publisher());
    let mut fields: Vec<(&str, String)> = vec![
        // Double braces keep a corporate author from being split into first and last names.
        ("author", format!("{{{publisher}}}")),
        ("title", format!("{{{}}}", bibtex_text(&r.title))),
        ("institution", publisher.clone()),
        ("number", bibtex_text(&r.id)),
    ];
    if let Some(kind) = &r.kind {
        fields.push(("type", bibtex_text(kind)));
    }
    fields.push(("year", r.date.year.to_string()));
    if let Some(m) = r.date.month {
        fields.push(("month", m.to_string()));
    }
    fields.push(("date", r.date.iso()));
    fields.push(("language", bibtex_text(&r.language)));
    fields.push(("url", bibtex_url(&absolute_url(site, &r.path))));
    let mut out = format!("@techreport{{{},\n", r.id);
    for (name, value) in fields {
        out.push_str(&format!("  {name:<11} = {{{value}}},\n"));
    }
    out.push_str("}\n");
    out
}

/// JSON for a `<script>` element: `<`, `>` and `&` are written as `\u` escapes so the text
/// can never close the element or open a comment.
pub fn script_json(v: &impl Serialize) -> String {
    let json = serde_json::to_string(v).unwrap_or_default();
    // By bytes: the three are ASCII, so never part of a longer character.
    if !json.bytes().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 64);
    crate::markdown::push_replacing(&mut out, &json, |b| match b {
        b'<' => Some("\\u003c"),
        b'>' => Some("\\u003e"),
        b'&' => Some("\\u0026"),
        _ => None,
    });
    out
}

/// A schema.org thing with a type and a name (an organisation, a place).
#[derive(Serialize)]
struct Named<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

/// A cited source in a report's JSON-LD.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LdWork<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    author: Named<'a>,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<&'a str>,
}

#[derive(Serialize)]
struct LdSite<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    url: &'a str,
}

/// A report in JSON-LD.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LdReport<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: &'a str,
    url: &'a str,
    name: &'a str,
    headline: &'a str,
    report_number: &'a str,
    date_published: String,
    in_language: &'a str,
    author: &'a Named<'a>,
    publisher: &'a Named<'a>,
    is_part_of: LdSite<'a>,
    spatial_coverage: Vec<Named<'a>>,
    keywords: Vec<&'a str>,
    citation: Vec<LdWork<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    genre: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

/// schema.org JSON-LD for a report page, ready for its `<script>` element (see [`script_json`]): a Report with
/// its publisher and its citations.
pub fn report_json_ld(site: &Site, r: &Report) -> String {
    let url = absolute_url(site, &r.path);
    let citation = r
        .bibliography
        .iter()
        .map(|b| {
            let s = &site.sources[b.source];
            LdWork {
                kind: "CreativeWork",
                name: &s.title,
                author: Named { kind: "Organization", name: &site.organisations[s.organisation].name },
                date_published: s.date.iso(),
                url: s.url.as_deref(),
                in_language: s.language.as_deref(),
                identifier: s.symbol.as_deref(),
            }
        })
        .collect();
    let publisher = Named { kind: "Organization", name: site.config.publisher() };
    script_json(&LdReport {
        context: "https://schema.org",
        kind: "Report",
        id: &url,
        url: &url,
        name: &r.title,
        headline: &r.title,
        report_number: &r.id,
        date_published: r.date.iso(),
        in_language: &r.language,
        author: &publisher,
        publisher: &publisher,
        is_part_of: LdSite { kind: "WebSite", name: &site.config.title, url: &site.config.base_url },
        spatial_coverage: r
            .countries
            .iter()
            .map(|&i| Named { kind: "Place", name: site.countries[i].name_in(&r.language) })
            .collect(),
        keywords: r.topics.iter().map(|&i| site.topics[i].name_in(&r.language)).collect(),
        citation,
        genre: r.kind.as_deref(),
        description: r.summary.as_deref(),
    })
}

/// A report's entry in `reports.json`; fields in alphabetical order, as they are printed.
#[derive(serde::Serialize)]
struct Entry<'a> {
    bibtex: String,
    countries: Vec<TermRef<'a>>,
    csl_json: String,
    date: String,
    id: &'a str,
    language: &'a str,
    path: &'a str,
    summary: Option<&'a str>,
    title: &'a str,
    topics: Vec<TermRef<'a>>,
    #[serde(rename = "type")]
    kind: Option<&'a str>,
    url: String,
}

#[derive(serde::Serialize)]
struct TermRef<'a> {
    name: &'a str,
    slug: &'a str,
}

impl Entry<'_> {
    /// The entry as `serde_json::to_string_pretty` prints it inside the `reports` list (four spaces in), written
    /// directly: `reports.json` lists every report, and a live preview makes it again whenever a title changes.
    fn print(&self) -> String {
        let mut out = String::with_capacity(512);
        let text = |out: &mut String, key: &str, value: Option<&str>| {
            out.push_str("      \"");
            out.push_str(key);
            out.push_str("\": ");
            match value {
                Some(v) => crate::search::push_json_str(out, v, false),
                None => out.push_str("null"),
            }
            out.push_str(",\n");
        };
        let terms = |out: &mut String, key: &str, terms: &[TermRef]| {
            out.push_str("      \"");
            out.push_str(key);
            out.push_str("\": [");
            for (i, t) in terms.iter().enumerate() {
                out.push_str(if i == 0 {
                    "\n        {\n          \"name\": "
                } else {
                    ",\n        {\n          \"name\": "
                });
                crate::search::push_json_str(out, t.name, false);
                out.push_str(",\n          \"slug\": ");
                crate::search::push_json_str(out, t.slug, false);
                out.push_str("\n        }");
            }
            out.push_str(if terms.is_empty() { "],\n" } else { "\n      ],\n" });
        };
        out.push_str("    {\n");
        text(&mut out, "bibtex", Some(&self.bibtex));
        terms(&mut out, "countries", &self.countries);
        text(&mut out, "csl_json", Some(&self.csl_json));
        text(&mut out, "date", Some(&self.date));
        text(&mut out, "id", Some(self.id));
        text(&mut out, "language", Some(self.language));
        text(&mut out, "path", Some(self.path));
        text(&mut out, "summary", self.summary);
        text(&mut out, "title", Some(self.title));
        terms(&mut out, "topics", &self.topics);
        text(&mut out, "type", self.kind);
        text(&mut out, "url", Some(&self.url));
        // The last field takes no comma.
        out.truncate(out.len() - 2);
        out.push_str("\n    }");
        out
    }
}

/// A report's entry in `reports.json`.
fn entry<'s>(site: &'s Site, r: &'s Report) -> Entry<'s> {
    let terms = |terms: &'s [crate::model::Term], idxs: &[usize]| -> Vec<TermRef<'s>> {
        idxs.iter().map(|&i| TermRef { name: &terms[i].name, slug: &terms[i].slug }).collect()
    };
    Entry {
        bibtex: format!("{}{}", report_dir(r), bibtex_file(r)),
        countries: terms(&site.countries, &r.countries),
        csl_json: format!("{}{}", report_dir(r), csl_file(r)),
        date: r.date.iso(),
        id: &r.id,
        language: &r.language,
        path: report_dir(r),
        summary: r.summary.as_deref(),
        title: &r.title,
        topics: terms(&site.topics, &r.topics),
        kind: r.kind.as_deref(),
        url: absolute_url(site, &r.path),
    }
}

/// `reports.json`: every report of the archive, newest first, for other tools, as pretty-printed JSON (keys in
/// alphabetical order).
pub fn reports_index(site: &Site) -> String {
    #[derive(serde::Serialize)]
    struct Index<'a> {
        publisher: &'a str,
        reports: Vec<Entry<'a>>,
        title: &'a str,
        url: &'a str,
    }
    let reports: Vec<Entry> = site.reports.par_iter().map(|r| entry(site, r)).collect();
    let index = Index {
        publisher: site.config.publisher(),
        reports: Vec::new(),
        title: &site.config.title,
        url: &site.config.base_url,
    };
    pretty_with_list(&index, "reports", &reports, Entry::print)
}

/// `reports.json` made from the one of a model that differs from `site` only in the entries of `changed` reports
/// (their titles, summaries or types; no report added, removed or moved): those entries are printed again and the
/// rest is kept. `None` when `previous` does not hold one entry per report.
pub fn reports_index_patched(previous: &str, site: &Site, changed: &[usize]) -> Option<String> {
    // An entry starts with `{` four spaces in, and ends with `}` four spaces in; nothing inside an entry is
    // printed at that depth, and strings hold no line breaks.
    let starts: Vec<usize> = previous.match_indices("\n    {\n").map(|(i, _)| i + 1).collect();
    if starts.len() != site.reports.len() {
        return None;
    }
    let mut out = String::with_capacity(previous.len() + 1024);
    let mut kept = 0;
    let mut changed = changed.to_vec();
    changed.sort_unstable();
    changed.dedup();
    for i in changed {
        let start = *starts.get(i)?;
        let end = start + previous[start..].find("\n    }")? + "\n    }".len();
        out.push_str(&previous[kept..start]);
        out.push_str(&entry(site, &site.reports[i]).print());
        kept = end;
    }
    out.push_str(&previous[kept..]);
    Some(out)
}

/// `value` as pretty-printed JSON, with the empty list under its top-level `key` holding `items` instead, each
/// printed by `print` (as `serde_json` prints a list item, four spaces in) on a thread of its own.
fn pretty_with_list<T: serde::Serialize, E: Sync>(
    value: &T,
    key: &str,
    items: &[E],
    print: impl Fn(&E) -> String + Sync + Send,
) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let empty = format!("\n  \"{key}\": []");
    let Some(at) = text.find(&empty).filter(|_| !items.is_empty()) else { return text };
    let printed: Vec<String> = items.par_iter().map(print).collect();
    let mut out = String::with_capacity(text.len() + printed.iter().map(|p| p.len() + 2).sum::<usize>());
    out.push_str(&text[..at]);
    out.push_str(&format!("\n  \"{key}\": [\n"));
    out.push_str(&printed.join(",\n"));
    out.push_str("\n  ]");
    out.push_str(&text[at + empty.len()..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// A list item as `serde_json` prints it, four spaces in.
    fn indented<E: serde::Serialize>(item: &E) -> String {
        let one = serde_json::to_string_pretty(item).unwrap();
        one.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn report_entries_print_as_serde_prints_them() {
        let odd = "a \"quote\", a \\ backslash,\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f} </script> Ärger – 中文 😀";
        let term = |n: &'static str| TermRef { name: n, slug: "s" };
        for (countries, topics, summary, kind) in [
            (vec![], vec![], None, None),
            (vec![term("Österreich")], vec![term(odd), term("b")], Some(odd), Some("Query response")),
        ] {
            let e = Entry {
                bibtex: "reports/a/a.bib".into(),
                countries,
                csl_json: "reports/a/a.csl.json".into(),
                date: "2024-03-05".into(),
                id: "a-1",
                language: "de-AT",
                path: "reports/a/",
                summary,
                title: odd,
                topics,
                kind,
                url: "https://example.org/x/reports/a/".into(),
            };
            assert_eq!(e.print(), indented(&e));
        }
    }

    #[test]
    fn a_list_printed_in_parts_reads_as_printed_whole() {
        #[derive(serde::Serialize)]
        struct Item {
            name: String,
            tags: Vec<String>,
            nested: std::collections::BTreeMap<String, Option<u32>>,
        }
        #[derive(serde::Serialize)]
        struct Doc {
            a: &'static str,
            items: Vec<Item>,
            z: Vec<u32>,
        }
        let item = |n: u32| Item {
            name: format!("item \"{n}\"\nwith [\"items\": []] inside"),
            tags: (0..n).map(|t| t.to_string()).collect(),
            nested: [("k".to_string(), Some(n)), ("none".to_string(), None)].into_iter().collect(),
        };
        for n in [0, 1, 3] {
            let items: Vec<Item> = (0..n).map(item).collect();
            let whole = serde_json::to_string_pretty(&Doc { a: "x", items, z: vec![1, 2] }).unwrap();
            let items: Vec<Item> = (0..n).map(item).collect();
            let parts = pretty_with_list(&Doc { a: "x", items: Vec::new(), z: vec![1, 2] }, "items", &items, indented);
            assert_eq!(parts, whole, "{n} items");
        }
    }

    #[test]
    fn bibtex_escapes_special_characters() {
        assert_eq!(
            bibtex_text("A & B {x} 50% $1 #2 a_b ^ ~ \\"),
            "A \\& B \\{x\\} 50\\% \\$1 \\#2 a\\_b \\^{} \\textasciitilde{} \\textbackslash{}"
        );
        assert_eq!(bibtex_url("https://h/a b%C3{c}"), "https://h/a%20b%C3%7Bc%7D");
    }

    #[test]
    fn script_json_cannot_close_the_script() {
        let s = script_json(&json!({ "t": "</script><!-- & " }));
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'), "{s}");
        assert_eq!(serde_json::from_str::<Value>(&s).unwrap()["t"], "</script><!-- & ");
    }

    #[test]
    fn csl_dates_keep_their_precision() {
        let date = |d: &str| serde_json::to_value(csl_date(&Date::parse(d).unwrap())).unwrap();
        assert_eq!(date("2023-02"), json!({ "date-parts": [[2023, 2]] }));
        assert_eq!(date("2024-04-26"), json!({ "date-parts": [[2024, 4, 26]] }));
    }
}
