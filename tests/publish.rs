//! What a published archive gives readers and tools beyond the pages themselves: page
//! metadata, schema.org JSON-LD and citation meta tags on reports, the "Cite this report"
//! box, the CSL-JSON and BibTeX downloads, and the archive-wide `reports.json`.

mod common;
use common::*;
use serde_json::Value;

const TRICKY: &str = "---\nid: tricky-1\ntitle: \"Braces {x} & 50% of $1 #2 a_b ^ ~ \\\\ </script><!--\"\ndate: 2024-03-05\nlanguage: de-AT\ntype: Anfragebeantwortung\ncountries: [Kasachstan]\ntopics: [Folter]\nsummary: \"Zusammenfassung mit \\\"Anführung\\\" & <b>Tag</b>\"\naccessed: 2024-03-01\n---\n\nText [@hrw-2024, S. 3] und [@fh-2023].\n";

const MORE_SOURCES: &str = "fh-2023:\n  organisation: hrw\n  title: \"Second & last {source}\"\n  date: 2023-06\n  type: dataset\n  symbol: A/HRC/1\n";

fn tricky_site(extra_toml: &str) -> Site {
    let s = Site::minimal(&[("content/reports/tricky.md", TRICKY), ("content/sources/more.yaml", MORE_SOURCES)]);
    s.write("site.toml", &format!("{SITE_TOML}{extra_toml}"));
    ok(&s.build());
    s
}

fn json_file(s: &Site, rel: &str) -> Value {
    let text = std::fs::read_to_string(s.out().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"))
}

fn meta(doc: &scraper::Html, name: &str) -> Vec<String> {
    doc.select(&sel(&format!("meta[name=\"{name}\"], meta[property=\"{name}\"]")))
        .map(|m| m.value().attr("content").unwrap_or_default().to_string())
        .collect()
}

#[test]
fn report_page_has_json_ld_with_its_citations() {
    let s = tricky_site("");
    let doc = s.page("reports/tricky-1/index.html");
    let scripts: Vec<String> =
        doc.select(&sel("script[type=\"application/ld+json\"]")).map(|e| e.text().collect()).collect();
    assert_eq!(scripts.len(), 1);
    let raw = std::fs::read_to_string(s.out().join("reports/tricky-1/index.html")).unwrap();
    assert!(!raw.contains("</script><!--"), "the title must not close the JSON-LD script");
    let ld: Value = serde_json::from_str(&scripts[0]).expect("JSON-LD parses");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "Report");
    assert_eq!(ld["name"], "Braces {x} & 50% of $1 #2 a_b ^ ~ \\ </script><!--");
    assert_eq!(ld["reportNumber"], "tricky-1");
    assert_eq!(ld["datePublished"], "2024-03-05");
    assert_eq!(ld["inLanguage"], "de-AT");
    assert_eq!(ld["url"], "https://example.org/sub/reports/tricky-1/");
    assert_eq!(ld["publisher"]["name"], "Test archive");
    let cited: Vec<&str> = ld["citation"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    // In source-list order: same label, so the older source first.
    assert_eq!(cited, ["Second & last {source}", "World Report 2024"]);
    assert_eq!(ld["citation"][1]["url"], "https://www.hrw.org/world-report/2024");
    assert_eq!(ld["citation"][1]["author"]["name"], "Human Rights Watch");
    assert_eq!(ld["citation"][0]["identifier"], "A/HRC/1");
}

#[test]
fn report_page_has_citation_meta_tags_and_cite_box() {
    let s = tricky_site("publisher = \"Example Research Unit\"\n");
    let doc = s.page("reports/tricky-1/index.html");
    assert_eq!(meta(&doc, "citation_title"), ["Braces {x} & 50% of $1 #2 a_b ^ ~ \\ </script><!--"]);
    assert_eq!(meta(&doc, "citation_author"), ["Example Research Unit"]);
    assert_eq!(meta(&doc, "citation_date"), ["2024/03/05"]);
    assert_eq!(meta(&doc, "citation_publication_date"), ["2024/03/05"]);
    assert_eq!(meta(&doc, "citation_technical_report_number"), ["tricky-1"]);
    assert_eq!(meta(&doc, "citation_language"), ["de-AT"]);
    assert_eq!(meta(&doc, "og:type"), ["article"]);
    // The cite box: organisation, title, id, date, URL and an access date, in the report's language.
    let cite = text(&doc, "section.cite .reference");
    assert!(
        cite.starts_with(
            "Example Research Unit: Braces {x} & 50% of $1 #2 a_b ^ ~ \\ </script><!-- [tricky-1], 5.\u{a0}März 2024. https://example.org/sub/reports/tricky-1/ (Zugriff am "
        ),
        "{cite}"
    );
    let time = doc.select(&sel("section.cite .accessed-today time")).next().expect("access date");
    let iso = time.value().attr("datetime").unwrap();
    assert!(iso.len() == 10 && iso.as_bytes()[4] == b'-', "{iso}");
    assert_eq!(doc.select(&sel(".toc a[href=\"#cite\"]")).count(), 1);
    let downloads: Vec<&str> =
        doc.select(&sel("section.cite a[download]")).map(|a| a.value().attr("href").unwrap()).collect();
    assert_eq!(
        downloads,
        [
            "../../reports/tricky-1/tricky-1.csl.json",
            "../../reports/tricky-1/tricky-1.bib",
            "../../reports/tricky-1/tricky-1-sources.csl.json"
        ]
    );
    assert_eq!(broken_links(&s.out()), Vec::<String>::new());
}

#[test]
fn csl_json_of_report_and_sources() {
    let s = tricky_site("");
    let csl = json_file(&s, "reports/tricky-1/tricky-1.csl.json");
    let item = &csl.as_array().expect("a list of items")[0];
    assert_eq!(item["id"], "tricky-1");
    assert_eq!(item["type"], "report");
    assert_eq!(item["title"], "Braces {x} & 50% of $1 #2 a_b ^ ~ \\ </script><!--");
    assert_eq!(item["author"][0]["literal"], "Test archive");
    assert_eq!(item["issued"]["date-parts"], serde_json::json!([[2024, 3, 5]]));
    assert_eq!(item["genre"], "Anfragebeantwortung");
    assert_eq!(item["URL"], "https://example.org/sub/reports/tricky-1/");
    let sources = json_file(&s, "reports/tricky-1/tricky-1-sources.csl.json");
    let items = sources.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["id"], "hrw-2024");
    assert_eq!(items[1]["author"][0]["literal"], "Human Rights Watch");
    assert_eq!(items[1]["accessed"]["date-parts"], serde_json::json!([[2024, 3, 1]]));
    assert_eq!(items[0]["id"], "fh-2023");
    assert_eq!(items[0]["type"], "dataset");
    assert_eq!(items[0]["issued"]["date-parts"], serde_json::json!([[2023, 6]]));
    assert_eq!(items[0]["number"], "A/HRC/1");
}

#[test]
fn bibtex_is_well_formed_and_escaped() {
    let s = tricky_site("");
    let bib = std::fs::read_to_string(s.out().join("reports/tricky-1/tricky-1.bib")).unwrap();
    assert!(bib.starts_with("@techreport{tricky-1,\n"), "{bib}");
    assert!(bib.trim_end().ends_with('}'));
    // Braces balance once escaped braces are left out, and never go below zero.
    let mut depth = 0i32;
    let mut chars = bib.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                assert!(depth >= 0, "unbalanced: {bib}");
            }
            _ => {}
        }
    }
    assert_eq!(depth, 0, "{bib}");
    assert!(
        bib.contains(
            "title       = {{Braces \\{x\\} \\& 50\\% of \\$1 \\#2 a\\_b \\^{} \\textasciitilde{} \\textbackslash{} </script><!--}},"
        ),
        "{bib}"
    );
    assert!(bib.contains("author      = {{Test archive}},"), "{bib}");
    assert!(bib.contains("number      = {tricky-1},"), "{bib}");
    assert!(bib.contains("year        = {2024},"), "{bib}");
    assert!(bib.contains("url         = {https://example.org/sub/reports/tricky-1/},"), "{bib}");
}

#[test]
fn demo_reports_json_lists_every_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ok(&dossier().args(["--root", ".", "build", "--out"]).arg(&out).output().unwrap());
    let index: Value = serde_json::from_str(&std::fs::read_to_string(out.join("reports.json")).unwrap()).unwrap();
    let listed: Vec<&str> = index["reports"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut pages: Vec<String> = walk(&out)
        .into_iter()
        .filter_map(|f| {
            let id = f.strip_prefix("reports/")?.strip_suffix("/index.html")?;
            (!id.contains('/') && id != "page").then(|| id.to_string())
        })
        .collect();
    pages.sort();
    let mut sorted: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
    sorted.sort();
    assert_eq!(sorted, pages);
    for r in index["reports"].as_array().unwrap() {
        for key in ["id", "title", "date", "language", "url"] {
            assert!(r[key].is_string(), "{key} missing in {r}");
        }
        assert!(r["countries"].is_array() && r["topics"].is_array());
        let id = r["id"].as_str().unwrap();
        assert_eq!(r["url"], format!("https://example.org/archive/reports/{id}/"));
        // The downloads named there exist and parse.
        let csl: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(r["csl_json"].as_str().unwrap())).expect("CSL-JSON file"),
        )
        .unwrap();
        assert_eq!(csl[0]["id"], id);
        assert!(out.join(r["bibtex"].as_str().unwrap()).is_file());
        // Every cited source of the report is in its sources file.
        let page = read_page(&out, &format!("reports/{id}/index.html"));
        let sources: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("reports/{id}/{id}-sources.csl.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(sources.as_array().unwrap().len(), page.select(&sel(".source-list li")).count(), "{id}");
    }
}

#[test]
fn every_page_has_title_description_canonical_and_open_graph() {
    let s = tricky_site("description = \"An archive for tests\"\n");
    for f in html_files(&s.out()) {
        let doc = s.page(&f);
        assert!(!text(&doc, "title").is_empty(), "{f}: no title");
        assert_eq!(doc.select(&sel("h1")).count(), 1, "{f}: one h1");
        assert!(meta(&doc, "description").iter().all(|d| !d.is_empty()), "{f}");
        assert_eq!(meta(&doc, "description").len(), 1, "{f}: description");
        let canonical: Vec<&str> =
            doc.select(&sel("link[rel=canonical]")).map(|l| l.value().attr("href").unwrap()).collect();
        assert_eq!(canonical.len(), 1, "{f}");
        assert!(canonical[0].starts_with("https://example.org/sub/"), "{f}: {}", canonical[0]);
        for p in ["og:title", "og:description", "og:url", "og:type", "og:site_name"] {
            assert_eq!(meta(&doc, p).len(), 1, "{f}: {p}");
        }
        assert_eq!(meta(&doc, "og:url"), [canonical[0]], "{f}");
    }
}

#[test]
fn parts_in_another_language_say_so() {
    let s = tricky_site("");
    let report = s.page("reports/tricky-1/index.html");
    let attr = |doc: &scraper::Html, css: &str| -> Vec<String> {
        doc.select(&sel(css)).map(|e| e.value().attr("lang").unwrap_or_default().to_string()).collect()
    };
    assert_eq!(attr(&report, "html"), ["de-AT"]);
    // The site's own navigation stays in the site's language.
    assert_eq!(attr(&report, "body > header, body > footer, .skip-link"), ["en", "en", "en"]);
    let home = s.page("index.html");
    assert_eq!(attr(&home, "html"), ["en"]);
    assert_eq!(attr(&home, ".card"), ["de-AT"]);
    let source = s.page("sources/hrw-2024/index.html");
    assert_eq!(attr(&source, ".citing a[lang]"), ["de-AT"]);
    let org = s.page("organisations/hrw/index.html");
    assert_eq!(attr(&org, ".doc-list a[lang]"), ["en"]);
}

#[test]
fn source_date_epoch_makes_builds_repeatable_byte_for_byte() {
    // The demo archive, built twice into two folders on the day SOURCE_DATE_EPOCH names (2023-11-14 22:13:20 UTC).
    let tmp = tempfile::tempdir().unwrap();
    let build = |name: &str, epoch: &str| {
        let out = tmp.path().join(name);
        let o = dossier().env("SOURCE_DATE_EPOCH", epoch).args(["--root", ".", "build", "--out"]).arg(&out).output();
        (out, o.unwrap())
    };
    let (a, o) = build("a", "1700000000");
    ok(&o);
    let (b, o) = build("b", "1700000000");
    ok(&o);
    let files = walk(&a);
    assert_eq!(files.len(), walk(&b).len());
    for f in &files {
        assert!(std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(), "{f} differs");
    }
    // Without JavaScript, "Cite this report" offers that day as the access date.
    let report = html_files(&a).into_iter().find(|f| f.starts_with("reports/") && f.matches('/').count() == 2).unwrap();
    let doc = read_page(&a, &report);
    let time = doc.select(&sel("section.cite .accessed-today time")).next().expect("access date");
    assert_eq!(time.value().attr("datetime"), Some("2023-11-14"));
    // A value that is not a number of seconds is refused before anything is written.
    let (c, o) = build("c", "yesterday");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("SOURCE_DATE_EPOCH is `yesterday`"), "{}", stderr(&o));
    assert!(!c.exists());
}
