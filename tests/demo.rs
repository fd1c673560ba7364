//! The repository's own demo archive (`content/`, `site.toml`): it passes every check and
//! builds into a complete site whose links and anchors all resolve.

mod common;
use common::*;
use std::collections::BTreeSet;

fn build_demo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let o = dossier().args(["--root", ".", "build", "--out"]).arg(tmp.path().join("out")).output().unwrap();
    ok(&o);
    tmp
}

#[test]
fn demo_passes_check_without_errors() {
    let o = dossier().args(["--root", ".", "check"]).output().unwrap();
    let e = ok(&o);
    assert!(!e.contains("error["), "{e}");
}

#[test]
fn demo_site_is_complete_and_linked() {
    let tmp = build_demo();
    let out = tmp.path().join("out");
    assert_eq!(broken_links(&out), Vec::<String>::new());
    let files = walk(&out);
    let reports: Vec<&String> = files
        .iter()
        .filter(|f| {
            f.starts_with("reports/")
                && f.ends_with("/index.html")
                && !f.starts_with("reports/page/")
                && f.as_str() != "reports/index.html"
        })
        .collect();
    assert!(reports.len() >= 8, "{} reports", reports.len());
    let mut languages = BTreeSet::new();
    let mut with_appendix = 0;
    for r in &reports {
        let doc = read_page(&out, r);
        let lang = doc.select(&sel("html")).next().unwrap().value().attr("lang").unwrap().to_string();
        languages.insert(lang.split('-').next().unwrap().to_string());
        let cited = doc.select(&sel(".source-list li")).count();
        assert!(cited >= 8, "{r} cites {cited} sources");
        let words = text(&doc, ".report-body").split_whitespace().count();
        assert!(words >= 800, "{r} has {words} words");
        assert!(doc.select(&sel(".report-body h2")).count() >= 2, "{r}");
        assert!(doc.select(&sel(".footnotes li")).count() >= 1, "{r} has no footnote");
        if doc.select(&sel(".appendix .excerpt")).count() > 0 {
            with_appendix += 1;
        }
    }
    assert!(languages.contains("de") && languages.contains("en"), "{languages:?}");
    assert!(with_appendix * 2 > reports.len(), "most reports have excerpts: {with_appendix}");
    let countries = read_page(&out, "countries/index.html");
    assert!(countries.select(&sel(".terms li")).count() >= 4);
    let tables: usize = reports.iter().map(|r| read_page(&out, r).select(&sel(".report-body table")).count()).sum();
    assert!(tables >= 1);
    // Organisations: 15 or more, each with German and English descriptions.
    let orgs: Vec<&String> =
        files.iter().filter(|f| f.starts_with("organisations/") && f.as_str() != "organisations/index.html").collect();
    assert!(orgs.len() >= 15, "{} organisations", orgs.len());
    // Sources cited by several reports exist.
    let multi = files
        .iter()
        .filter(|f| f.starts_with("sources/") && f.as_str() != "sources/index.html")
        .filter(|f| read_page(&out, f).select(&sel(".citing li")).count() >= 2)
        .count();
    assert!(multi >= 3, "{multi} sources are cited by several reports");
    for f in [
        "index.html",
        "404.html",
        "atom.xml",
        "sitemap.xml",
        "robots.txt",
        "years/index.html",
        "topics/index.html",
        "languages/index.html",
        "sources/index.html",
        "about/index.html",
    ] {
        assert!(out.join(f).exists(), "missing {f}");
    }
    for f in html_files(&out) {
        let text = std::fs::read_to_string(out.join(&f)).unwrap();
        assert!(!text.contains("{{") && !text.contains("{%") && !text.contains('\u{e000}'), "unrendered syntax in {f}");
    }
}

#[test]
fn report_pages_name_their_language_in_that_language() {
    let tmp = build_demo();
    let out = tmp.path().join("out");
    let language = |page: &str, label: &str| {
        let doc = read_page(&out, page);
        let dt = sel("dt");
        let dd = sel("dd");
        let labels: Vec<String> = doc.select(&dt).map(|e| e.text().collect()).collect();
        let values: Vec<String> = doc.select(&dd).map(|e| e.text().collect::<String>().trim().to_string()).collect();
        let i = labels.iter().position(|l| l == label).expect(label);
        values[i].clone()
    };
    assert_eq!(language("reports/kaz-2024-003/index.html", "Sprache"), "Deutsch (Österreich)");
    assert_eq!(language("reports/afg-2025-003/index.html", "Language"), "English");
}

#[test]
fn texts_held_compressed_or_not_give_the_same_site() {
    // A large archive holds report texts compressed, a small one as they are (`DOSSIER_PACK_ABOVE` moves the limit
    // so the demo is built both ways).
    let tmp = tempfile::tempdir().unwrap();
    let build = |name: &str, limit: &str| {
        let out = tmp.path().join(name);
        let o = dossier()
            .args(["--root", ".", "build", "--out"])
            .arg(&out)
            .env("DOSSIER_PACK_ABOVE", limit)
            .output()
            .unwrap();
        ok(&o);
        walk(&out).into_iter().map(|p| (std::fs::read(out.join(&p)).unwrap(), p)).collect::<Vec<_>>()
    };
    let (packed, plain) = (build("packed", "0"), build("plain", "18446744073709551615"));
    assert!(packed.len() > 300, "{} files", packed.len());
    assert!(packed.iter().any(|(_, p)| p.ends_with("/index.html") && p.starts_with("reports/")));
    let differ: Vec<&String> = packed.iter().zip(&plain).filter(|(a, b)| a != b).map(|(a, _)| &a.1).collect();
    assert_eq!(packed.len(), plain.len());
    assert!(differ.is_empty(), "{differ:?}");
}
