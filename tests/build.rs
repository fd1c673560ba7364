//! The core build on small fixture sites: the page set, links, dates per locale, table
//! of contents, footnotes, escaping, taxonomies, drafts, output replacement, themes and
//! the `init` and `new` commands.

mod common;
use common::*;

fn report(id: &str, lang: &str, date: &str, countries: &str, extra: &str, body: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Report {id}\ndate: {date}\nlanguage: {lang}\ncountries: [{countries}]\ntopics: [Police]\naccessed: {date}\n{extra}---\n\n{body}\n"
    )
}

const BODY: &str = "## First section\n\nText with a claim [@hrw-2024, p. 4] and a note.[^n]\n\n### Detail\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ and https://example.org/x\n\n## Second section\n\nMore.\n\n[^n]: The note cites [@hrw-2024].\n";

fn site() -> Site {
    Site::minimal(&[
        ("content/reports/de/r-de.md", &report("r-de", "de", "2024-03-01", "Österreich", "", BODY)),
        ("content/reports/de/r-at.md", &report("r-at", "de-AT", "2024-01-11", "Österreich, Kasachstan", "", BODY)),
        ("content/reports/r-en.md", &report("r-en", "en", "2023-01-11", "Kazakhstan", "", BODY)),
        ("content/reports/r-draft.md", &report("r-draft", "en", "2023-05-05", "Kazakhstan", "draft: true\n", BODY)),
        ("content/pages/about.md", "---\ntitle: About this archive\n---\n\nWe publish reports.\n"),
        (
            "site.toml",
            "title = \"Test archive\"\nbase_url = \"https://example.org/sub/\"\nlanguage = \"en\"\n[listing]\npage_size = 2\n[countries]\nkazakhstan = { en = \"Kazakhstan\", de = \"Kasachstan\" }\n",
        ),
    ])
}

#[test]
fn builds_every_page_kind_with_working_relative_links() {
    let s = site();
    let e = ok(&s.build());
    assert!(e.lines().last().unwrap().starts_with("Built "), "{e}");
    assert!(e.contains(" pages ") && e.contains(" ms"), "{e}");
    let files = walk(&s.out());
    for f in [
        "index.html",
        "404.html",
        "sitemap.xml",
        "atom.xml",
        "robots.txt",
        "style.css",
        "reports/index.html",
        "reports/page/2/index.html",
        "reports/r-de/index.html",
        "reports/r-at/index.html",
        "reports/r-en/index.html",
        "countries/index.html",
        "countries/oesterreich/index.html",
        "countries/kazakhstan/index.html",
        "topics/index.html",
        "topics/police/index.html",
        "years/index.html",
        "years/2024/index.html",
        "years/2023/index.html",
        "languages/index.html",
        "languages/de/index.html",
        "languages/de-at/index.html",
        "languages/en/index.html",
        "organisations/index.html",
        "organisations/hrw/index.html",
        "sources/index.html",
        "sources/hrw-2024/index.html",
        "about/index.html",
    ] {
        assert!(files.iter().any(|x| x == f), "missing {f}");
    }
    assert!(!files.iter().any(|f| f.contains("r-draft")), "drafts are left out");
    assert_eq!(broken_links(&s.out()), Vec::<String>::new());
    for f in html_files(&s.out()) {
        let text = std::fs::read_to_string(s.out().join(&f)).unwrap();
        assert!(!text.contains("{{") && !text.contains("{%"), "template syntax in {f}");
        assert!(text.starts_with("<!DOCTYPE html>"), "{f}");
    }
    // Kazakhstan and Kasachstan are one declared country.
    let kz = s.page("countries/kazakhstan/index.html");
    assert_eq!(kz.select(&sel(".card")).count(), 2);
    assert_eq!(text(&kz, "h1"), "Kazakhstan");
}

#[test]
fn report_page_dates_toc_footnotes_tables() {
    let s = site();
    ok(&s.build());
    let de = s.page("reports/r-de/index.html");
    assert_eq!(text(&de, ".report-date"), "1.\u{a0}März 2024");
    assert_eq!(de.select(&sel("html[lang=de]")).count(), 1);
    let at = s.page("reports/r-at/index.html");
    assert_eq!(text(&at, ".report-date"), "11.\u{a0}Jänner 2024");
    assert_eq!(text(&at, ".toc h2"), "Inhaltsverzeichnis");
    let en = s.page("reports/r-en/index.html");
    assert_eq!(text(&en, ".report-date"), "11\u{a0}January 2023");
    assert_eq!(text(&en, "h1"), "Report r-en [r-en]");
    // Table of contents: h2 and h3, each pointing at a heading with that id.
    let toc: Vec<(String, String)> =
        en.select(&sel(".toc a")).map(|a| (a.value().attr("href").unwrap().to_string(), a.text().collect())).collect();
    assert_eq!(toc[0], ("#first-section".to_string(), "First section".to_string()));
    assert_eq!(toc[1].0, "#detail");
    assert_eq!(toc[2].0, "#second-section");
    assert_eq!(toc[3].0, "#sources");
    assert_eq!(toc[4].0, "#cite");
    // No excerpts: no appendix, no appendix line in the contents, no pointer sentence.
    assert_eq!(toc.len(), 5);
    assert_eq!(en.select(&sel(".appendix, .appendix-pointer")).count(), 0);
    assert_eq!(en.select(&sel("h2#first-section")).count(), 1);
    assert_eq!(en.select(&sel("h3#detail")).count(), 1);
    // Footnotes with back-references, and the citation inside the note.
    assert_eq!(en.select(&sel(".footnotes li")).count(), 1);
    assert_eq!(en.select(&sel(".footnotes a[href^=\"#fnref\"]")).count(), 1);
    assert!(text(&en, ".footnotes").contains("(HRW, 11\u{a0}January 2024)"));
    assert_eq!(en.select(&sel(".report-body table td")).count(), 2);
    assert_eq!(en.select(&sel(".report-body del")).count(), 1);
    assert_eq!(en.select(&sel(".report-body a[href=\"https://example.org/x\"]")).count(), 1);
    // Countries and topics are linked.
    assert_eq!(at.select(&sel(".meta a[href=\"../../countries/kazakhstan/\"]")).count(), 1);
    assert_eq!(text(&at, ".meta a[href=\"../../countries/kazakhstan/\"]"), "Kasachstan");
    assert_eq!(en.select(&sel(".meta a[href=\"../../topics/police/\"]")).count(), 1);
}

#[test]
fn listings_are_newest_first_and_paginated() {
    let s = site();
    ok(&s.build());
    let p1 = s.page("reports/index.html");
    assert_eq!(texts(&p1, ".card .report-id"), ["[r-de]", "[r-at]"]);
    let p2 = s.page("reports/page/2/index.html");
    assert_eq!(texts(&p2, ".card .report-id"), ["[r-en]"]);
    assert_eq!(
        p1.select(&sel("a[rel=next][href=\"../reports/page/2/\"]")).count()
            + p1.select(&sel("a[rel=next][href=\"page/2/\"]")).count(),
        1
    );
    let home = s.page("index.html");
    assert_eq!(texts(&home, ".card .report-id")[0], "[r-de]");
    let feed = std::fs::read_to_string(s.out().join("atom.xml")).unwrap();
    assert!(feed.contains("<id>https://example.org/sub/reports/r-de/</id>"), "{feed}");
    let sitemap = std::fs::read_to_string(s.out().join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://example.org/sub/reports/r-en/</loc>"));
    let robots = std::fs::read_to_string(s.out().join("robots.txt")).unwrap();
    assert!(robots.contains("Sitemap: https://example.org/sub/sitemap.xml"));
    let canonical = s.page("reports/r-en/index.html");
    assert_eq!(
        canonical.select(&sel("link[rel=canonical][href=\"https://example.org/sub/reports/r-en/\"]")).count(),
        1
    );
    // The 404 page is served at any depth, so it links from the base path.
    let nf = s.page("404.html");
    assert_eq!(nf.select(&sel("link[href=\"/sub/style.css\"]")).count(), 1);
}

#[test]
fn term_and_organisation_pages_are_paginated() {
    let s = site();
    ok(&s.build());
    // Three reports on police, two to a page.
    let p1 = s.page("topics/police/index.html");
    assert_eq!(texts(&p1, ".card .report-id"), ["[r-de]", "[r-at]"]);
    assert_eq!(text(&p1, ".counts"), "3 Reports");
    assert_eq!(p1.select(&sel("a[rel=next][href=\"../../topics/police/page/2/\"]")).count(), 1);
    let p2 = s.page("topics/police/page/2/index.html");
    assert_eq!(texts(&p2, ".card .report-id"), ["[r-en]"]);
    assert_eq!(p2.select(&sel("a[rel=prev][href=\"../../../../topics/police/\"]")).count(), 1);
    assert_eq!(p2.select(&sel(".pagination [aria-current=page]")).count(), 1);
    assert!(text(&p2, "title").contains("Police – Page 2"), "{}", text(&p2, "title"));
    assert_eq!(
        p2.select(&sel("link[rel=canonical][href=\"https://example.org/sub/topics/police/page/2/\"]")).count(),
        1
    );
    // An organisation: described, with its documents, on the first page; its citing reports on all of them.
    let o1 = s.page("organisations/hrw/index.html");
    assert_eq!(o1.select(&sel("#documents")).count(), 1);
    assert_eq!(texts(&o1, ".card .report-id"), ["[r-de]", "[r-at]"]);
    assert_eq!(text(&o1, "#citing"), "Reports citing it (3)");
    let o2 = s.page("organisations/hrw/page/2/index.html");
    assert_eq!(o2.select(&sel("#documents")).count(), 0);
    assert_eq!(o2.select(&sel("dl.meta")).count(), 0);
    assert_eq!(texts(&o2, ".card .report-id"), ["[r-en]"]);
    assert_eq!(text(&o2, "#citing"), "Reports citing it (3)");
    assert_eq!(text(&o2, "h1"), text(&o1, "h1"));
    let sitemap = std::fs::read_to_string(s.out().join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://example.org/sub/topics/police/page/2/</loc>"), "{sitemap}");
    assert!(sitemap.contains("<loc>https://example.org/sub/organisations/hrw/page/2/</loc>"));
    // A term with as many reports as a page holds has one page.
    assert!(!walk(&s.out()).iter().any(|f| f.starts_with("countries/kazakhstan/page/")));
}

#[test]
fn source_pages_and_the_list_of_sources_are_paged_by_list_size() {
    // Three reports cite hrw-2024, newest first r-de, r-at, r-en; r-at and r-en quote it in their excerpts.
    let excerpt = |text: &str| format!("{BODY}\n## Excerpts\n\n> {text}\n>\n> [@hrw-2024, p. 9]\n");
    let s = Site::minimal(&[
        ("content/reports/r-de.md", &report("r-de", "de", "2024-03-01", "Kazakhstan", "", BODY)),
        (
            "content/reports/r-at.md",
            &report("r-at", "de-AT", "2024-01-11", "Kazakhstan", "", &excerpt("Quoted in r-at.")),
        ),
        (
            "content/reports/r-en.md",
            &report("r-en", "en", "2023-01-11", "Kazakhstan", "", &excerpt("Quoted in r-en, citing [@hrw-2022].")),
        ),
        (
            "content/sources/more.yaml",
            "hrw-2023:\n  organisation: hrw\n  title: World Report 2023\n  date: 2023-01-12\nhrw-2022:\n  organisation: hrw\n  title: World Report 2022\n  date: 2022-01-13\n",
        ),
        ("site.toml", &format!("{SITE_TOML}[listing]\nlist_size = 2\n")),
    ]);
    ok(&s.build());
    let p1 = s.page("sources/hrw-2024/index.html");
    let ids = |doc: &scraper::Html| texts(doc, ".citing .report-id");
    assert_eq!(ids(&p1), ["[r-de]", "[r-at]"]);
    assert_eq!(text(&p1, "#cited-in"), "Cited in (3)");
    assert_eq!(p1.select(&sel("dl.meta")).count(), 1);
    assert_eq!(texts(&p1, ".excerpt blockquote"), ["\u{201e}Quoted in r-at.\u{201c}"]);
    assert!(text(&p1, "#excerpts").starts_with("Excerpts (2)"), "{}", text(&p1, "#excerpts"));
    assert_eq!(p1.select(&sel("a[rel=next][href=\"../../sources/hrw-2024/page/2/\"]")).count(), 1);
    let p2 = s.page("sources/hrw-2024/page/2/index.html");
    assert_eq!(ids(&p2), ["[r-en]"]);
    assert_eq!(text(&p2, "#cited-in"), "Cited in (3)");
    assert_eq!(p2.select(&sel("dl.meta")).count(), 0);
    assert_eq!(text(&p2, "h1"), text(&p1, "h1"));
    assert!(text(&p2, "title").starts_with("World Report 2024 – Page 2"), "{}", text(&p2, "title"));
    let quotes = texts(&p2, ".excerpt blockquote");
    assert!(quotes.len() == 1 && quotes[0].starts_with("\u{201c}Quoted in r-en, citing"), "{quotes:?}");
    // A citation inside the excerpt links to its source from the deeper page too.
    assert_eq!(p2.select(&sel(".excerpt a[href=\"../../../../sources/hrw-2022/\"]")).count(), 1);
    assert!(!s.out().join("sources/hrw-2024/page/3").exists());
    // Three sources, two to a page of the list.
    let l1 = s.page("sources/index.html");
    let l2 = s.page("sources/page/2/index.html");
    assert_eq!(texts(&l1, ".source-index li").len(), 2);
    assert_eq!(texts(&l2, ".source-index li").len(), 1);
    assert_eq!(l2.select(&sel("a[rel=prev][href=\"../../../sources/\"]")).count(), 1);
    let sitemap = std::fs::read_to_string(s.out().join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://example.org/sub/sources/hrw-2024/page/2/</loc>"), "{sitemap}");
    assert!(sitemap.contains("<loc>https://example.org/sub/sources/page/2/</loc>"), "{sitemap}");
    assert_eq!(broken_links(&s.out()), Vec::<String>::new());
}

/// The `<loc>` values of a sitemap file, and its root element's name.
fn sitemap_locs(out: &std::path::Path, file: &str) -> (String, Vec<String>) {
    let xml = std::fs::read_to_string(out.join(file)).unwrap();
    let root = xml.split('<').skip(1).find(|t| !t.starts_with('?')).map(|t| t.split([' ', '>']).next().unwrap());
    let locs = xml.split("<loc>").skip(1).map(|t| t.split("</loc>").next().unwrap().to_string()).collect();
    (root.unwrap().to_string(), locs)
}

#[test]
fn a_sitemap_past_the_protocols_limit_becomes_an_index_of_sitemaps() {
    let s = site();
    ok(&s.build());
    let (root, all) = sitemap_locs(&s.out(), "sitemap.xml");
    assert_eq!(root, "urlset");
    // One URL per HTML page but the 404 page.
    assert_eq!(all.len(), html_files(&s.out()).len() - 1, "{all:?}");
    assert!(!walk(&s.out()).iter().any(|f| f.starts_with("sitemap-")));
    // With at most 4 URLs to a file, the same URLs in files of 4, listed by the index that robots.txt names.
    let split = dossier().env("DOSSIER_SITEMAP_URLS", "4").arg("--root").arg(s.root()).arg("build").output().unwrap();
    ok(&split);
    let (root, parts) = sitemap_locs(&s.out(), "sitemap.xml");
    assert_eq!(root, "sitemapindex");
    let expected: Vec<String> =
        (1..=all.len().div_ceil(4)).map(|k| format!("https://example.org/sub/sitemap-{k}.xml")).collect();
    assert_eq!(parts, expected);
    let mut again = Vec::new();
    for k in 1..=parts.len() {
        let (root, locs) = sitemap_locs(&s.out(), &format!("sitemap-{k}.xml"));
        assert_eq!(root, "urlset");
        assert!(!locs.is_empty() && locs.len() <= 4, "{locs:?}");
        again.extend(locs);
    }
    assert_eq!(again, all);
    let robots = std::fs::read_to_string(s.out().join("robots.txt")).unwrap();
    assert!(robots.contains("Sitemap: https://example.org/sub/sitemap.xml"));
}

#[test]
fn content_is_escaped_and_raw_html_is_off_by_default() {
    let s = Site::minimal(&[(
        "content/reports/x.md",
        "---\nid: x\ntitle: \"<img src=x onerror=alert(1)>\"\ndate: 2024-01-01\nsummary: \"<script>alert(2)</script>\"\ncountries: [\"<b>Land</b>\"]\n---\n\nBody <script>alert(3)</script> and <em>raw</em>.\n",
    )]);
    ok(&s.build());
    for f in html_files(&s.out()) {
        let doc = s.page(&f);
        assert_eq!(doc.select(&sel("img, main script, b")).count(), 0, "unescaped tag from content in {f}");
    }
    let r = s.page("reports/x/index.html");
    assert!(text(&r, "h1").contains("<img src=x onerror=alert(1)>"));
    assert!(text(&r, ".report-body").contains("<script>alert(3)</script>"));
    s.write("site.toml", &format!("{SITE_TOML}[markdown]\nallow_html = true\n"));
    ok(&s.build());
    let r = s.page("reports/x/index.html");
    assert_eq!(r.select(&sel(".report-body em")).count(), 1);
}

#[test]
fn slug_collisions_are_errors() {
    let s = Site::minimal(&[
        ("content/reports/a.md", &report("a", "de", "2024-01-01", "Österreich", "", "x")),
        ("content/reports/b.md", &report("b", "de", "2024-01-02", "Oesterreich", "", "x")),
    ]);
    let o = s.build();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("error[E029]"), "{e}");
    assert!(e.contains("both become the address countries/oesterreich/"), "{e}");
}

#[test]
fn rebuild_removes_stale_pages_and_drafts_option_includes_drafts() {
    let s = site();
    ok(&s.build());
    assert!(s.out().join("reports/r-en/index.html").exists());
    std::fs::remove_file(s.root().join("content/reports/r-en.md")).unwrap();
    ok(&s.run(&["build", "--drafts"]));
    assert!(!s.out().join("reports/r-en").exists(), "stale page survived");
    assert!(s.out().join("reports/r-draft/index.html").exists());
    let siblings: Vec<_> = std::fs::read_dir(s.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public"))
        .collect();
    assert!(siblings.is_empty(), "left-over staging folders: {siblings:?}");
}

#[test]
fn base_url_override_and_portable_links() {
    let s = site();
    ok(&s.run(&["build", "--base-url", "https://mirror.example.net/a", "--portable"]));
    let r = s.page("reports/r-en/index.html");
    assert_eq!(r.select(&sel("link[rel=canonical][href=\"https://mirror.example.net/a/reports/r-en/\"]")).count(), 1);
    let home = s.page("index.html");
    assert!(home.select(&sel("a[href=\"reports/r-de/index.html\"]")).count() >= 1);
    assert_eq!(broken_links(&s.out()), Vec::<String>::new());
    for f in html_files(&s.out()) {
        let doc = s.page(&f);
        for a in doc.select(&sel("a[href]")) {
            let h = a.value().attr("href").unwrap();
            if !h.starts_with("http") && !h.starts_with('#') && !h.starts_with('/') && !h.starts_with("mailto:") {
                let path = h.split('#').next().unwrap();
                let download = [".json", ".bib"].iter().any(|x| path.ends_with(x));
                assert!(path.ends_with(".html") || path.ends_with(".xml") || download, "{f}: {h}");
            }
        }
    }
}

#[test]
fn site_overrides_theme_templates_and_static_files() {
    let s = site();
    s.write("templates/page.html", "{% extends \"base.html\" %}{% block main %}<h1 class=\"custom\">{{ page.title }}</h1>{{ content | safe }}{% endblock main %}");
    s.write("static/style.css", "body { color: red; }");
    s.write("static/files/logo.txt", "logo");
    ok(&s.build());
    let about = s.page("about/index.html");
    assert_eq!(text(&about, "h1.custom"), "About this archive");
    assert_eq!(std::fs::read_to_string(s.out().join("style.css")).unwrap(), "body { color: red; }");
    assert!(s.out().join("files/logo.txt").exists());
}

#[test]
fn report_cards_are_rendered_once_and_placed_with_each_page_s_root_and_heading() {
    let s = site();
    // A title with characters the card's stand-ins are made of stays as written.
    s.write(
        "content/reports/r-en.md",
        &report("r-en", "en", "2023-01-11", "Kazakhstan", "", BODY)
            .replace("title: Report r-en", "title: \"Report <\u{E003}r> and \u{E003}h> r-en\""),
    );
    ok(&s.build());
    let title = "Report <\u{E003}r> and \u{E003}h> r-en";
    // (page, heading of its cards, link from it to r-en's page)
    for (page, heading, href) in [
        ("reports/page/2/index.html", "h2", "../../../reports/r-en/"),
        ("topics/police/page/2/index.html", "h2", "../../../../reports/r-en/"),
        ("countries/kazakhstan/index.html", "h2", "../../reports/r-en/"),
        ("organisations/hrw/page/2/index.html", "h3", "../../../../reports/r-en/"),
    ] {
        let doc = s.page(page);
        let link = format!(".card {heading}.card-title a[href=\"{href}\"]");
        assert_eq!(texts(&doc, &link), [title], "{page}");
        let other = if heading == "h2" { "h3" } else { "h2" };
        assert_eq!(doc.select(&sel(&format!(".card {other}"))).count(), 0, "{page}");
    }
    assert!(broken_links(&s.out()).is_empty(), "{:?}", broken_links(&s.out()));

    // A card partial using what only pages have fails the build at the partial, saying why.
    s.write("templates/partials/card.html", "<li class=\"card\">\n{{ page.kind }} {{ r.title }}</li>\n");
    let o = s.build();
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("templates/partials/card.html:2:4"), "{e}");
    assert!(e.contains("rendered once per report"), "{e}");
    assert_eq!(e.matches("error[E051]").count(), 1, "{e}");
}

#[test]
fn init_and_new_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("newsite");
    ok(&dossier().arg("init").arg(&dir).output().unwrap());
    let o = dossier().arg("--root").arg(&dir).arg("build").output().unwrap();
    let e = ok(&o);
    assert!(!e.contains("warning"), "{e}");
    assert!(dir.join("public/reports/first-report/index.html").exists());
    assert!(dir.join("public/organisations/example-institute/index.html").exists());
    let o = dossier()
        .arg("--root")
        .arg(&dir)
        .args(["new", "report", "second-one", "--title", "A second report"])
        .output()
        .unwrap();
    ok(&o);
    let text = std::fs::read_to_string(dir.join("content/reports/second-one.md")).unwrap();
    assert!(text.contains("title: \"A second report\""));
    let o = dossier().arg("--root").arg(&dir).args(["build", "--drafts"]).output().unwrap();
    ok(&o);
    assert!(dir.join("public/reports/second-one/index.html").exists(), "a new report is a draft, built with --drafts");
    let o = dossier().arg("--root").arg(&dir).args(["new", "report", "Bad Id"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = dossier().arg("init").arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "init refuses an existing site");
    for cmd in
        [&["--help"][..], &["build", "--help"], &["check", "--help"], &["init", "--help"], &["new", "report", "--help"]]
    {
        let o = dossier().args(cmd).output().unwrap();
        assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("Usage"), "{cmd:?}");
    }
}

#[test]
fn a_disclaimer_may_cite_sources_and_its_errors_point_into_site_toml() {
    let toml = |disclaimer: &str| format!("{SITE_TOML}[disclaimer]\n{disclaimer}\n");
    let s = Site::minimal(&[
        ("content/reports/r-en.md", &report("r-en", "en", "2023-01-11", "Kazakhstan", "", BODY)),
        ("site.toml", &toml("en = \"Based on limited research [@hrw-2024, p. 2].\"")),
    ]);
    ok(&s.build());
    let page = s.page("reports/r-en/index.html");
    assert_eq!(text(&page, ".disclaimer"), "Based on limited research (HRW, 11\u{a0}January 2024, p.\u{a0}2).");
    // Not in the report's source list: the citation links to the source's own page.
    assert_eq!(page.select(&sel(".disclaimer a[href=\"../../sources/hrw-2024/\"]")).count(), 1);
    let html = std::fs::read_to_string(s.out().join("reports/r-en/index.html")).unwrap();
    assert!(!html.contains(['\u{E000}', '\u{E001}']), "a citation mark is left in the page");
    // An unknown key on the second line of a multi-line disclaimer: reported at its line and column.
    s.write("site.toml", &toml("en = \"\"\"\nBased on limited research.\nSee [@hrw-2042].\"\"\""));
    let o = s.build();
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    let line = SITE_TOML.lines().count() + 4;
    assert!(e.contains("error[E010]: unknown source key `hrw-2042`"), "{e}");
    assert!(e.contains(&format!("--> site.toml:{line}:5")), "{e}");
    assert!(e.contains("did you mean `hrw-2024`?"), "{e}");
}
