//! The seed's structure, reproduced by `tests/fixtures/seed`: exact citation texts,
//! source list and appendix order and text, and links in both directions.

mod common;
use common::*;
use std::path::Path;

const NB: char = '\u{a0}';

fn built() -> (tempfile::TempDir, Html) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = dossier().args(["--root", "tests/fixtures/seed", "build", "--out"]).arg(&out).output().unwrap();
    ok(&o);
    let doc = read_page(&out, "reports/a-12321-4/index.html");
    (tmp, doc)
}

use scraper::Html;

fn nb(s: &str) -> String {
    // Expected strings are written with `~` where the output has a no-break space.
    s.replace('~', &NB.to_string())
}

#[test]
fn inline_citations_render_as_in_the_seed() {
    let (_t, doc) = built();
    let cites: Vec<String> = doc.select(&sel(".report-body .citation")).map(|e| e.text().collect()).collect();
    for expected in [
        "(Bertelsmann Stiftung, 19.~März 2024, S.~6)",
        "(USDOS, 30.~November 2023)",
        "(ACLED, 5.~April 2024)",
        "(KNB, siehe Bertelsmann Stiftung, 19.~März 2024, S.~6)",
        "(der Teil des KNB ist, siehe USDOS, 30.~November 2023)",
        "(CIA World Factbook, 16.~April 2024)",
        "(USDOS, 20.~März 2023, Executive Summary)",
        "(USDOS, 23.~April 2024)",
        "(IISS, Februar 2023, S.~178-180)",
        "(CIA World Factbook, 16.~April 2024; IISS, Februar 2023, S.~178)",
        "(Justice for All International, 2023, S.~10-11)",
        "(Embassy of the Republic of Kazakhstan in the Swiss Confederation, by the Holy See, in the Principality of Liechtenstein and by the Sovereign Order of Malta, 29.~April 2021)",
        "(Development Asia, 17.~Jänner 2024; CABAR, 12.~Jänner 2021)",
        "(CAT, 8.~Juni 2023, S.~4)",
        "(Bertelsmann Stiftung, 19.~März 2024, S.~13; HRW, 11.~Jänner 2024; Freedom House, 2024, Section F3)",
        "(Freedom House, 2024, Abschnitt F2)",
        "(USDOS, 23.~April 2024, Section 1a)",
        "(ACLED, 2023)",
        "(ACLED, 2023, S.~10)",
        "(ACLED, 2023, S.~22-23)",
    ] {
        let want = nb(expected);
        assert!(cites.contains(&want), "missing citation {want:?}\nhave: {cites:#?}");
    }
    // Citations inside footnotes are rendered in the footnotes.
    let notes = text(&doc, ".footnotes");
    assert!(notes.contains("(ACLED, 2023, S.\u{a0}10)") || notes.contains("(ACLED, 2023, S. 10)"), "{notes}");
    // Not citations: code, escaped brackets, e-mail addresses.
    let body = text(&doc, ".report-body");
    assert!(body.contains("[@not-a-citation]"));
    assert!(body.contains("[@escaped]"));
    assert!(body.contains("info@example.org"));
}

#[test]
fn every_citation_links_to_its_source_list_entry() {
    let (_t, doc) = built();
    let mut n = 0;
    for a in doc.select(&sel(".citation a")) {
        let href = a.value().attr("href").unwrap();
        let id = href.strip_prefix('#').expect("in-page link");
        assert_eq!(doc.select(&sel(&format!("li[id=\"{id}\"]"))).count(), 1, "no entry for {href}");
        n += 1;
    }
    assert!(n >= 24, "{n} citation links");
}

#[test]
fn source_list_order_and_text() {
    let (_t, doc) = built();
    assert_eq!(text(&doc, ".sources .accessed"), nb("(Zugriff auf alle Quellen am 26.~April 2024)"));
    let entries = texts(&doc, ".source-list li .entry");
    let expected = [
        "ACLED – Armed Conflict Location & Event Data Project: Codebook, 2023",
        "ACLED – Armed Conflict Location & Event Data Project: Curated Datafile – Europe & Central Asia (5 April 2024), heruntergeladen am 16. April 2024",
        "Bertelsmann Stiftung: BTI 2024 Country Report Kazakhstan, 19. März 2024",
        "CABAR – Central Asian Bureau for Analytical Reporting: Police Reform in Kazakhstan: Serving the Authoritarian Regime, 12. Jänner 2021",
        "CAT – UN Committee Against Torture: Concluding observations on the fourth periodic report of Kazakhstan [CAT/C/KAZ/CO/4], 8. Juni 2023",
        "CIA World Factbook: Kazakhstan, 16. April 2024",
        "Development Asia: Kazakhstan's Path to Law Enforcement Integrity, 17. Jänner 2024",
        "Embassy of the Republic of Kazakhstan in the Swiss Confederation, by the Holy See, in the Principality of Liechtenstein and by the Sovereign Order of Malta: Law Enforcement Reforms in Kazakhstan, 29. April 2021",
        "Freedom House: Freedom in the World 2024 - Kazakhstan, 2024",
        "HRW – Human Rights Watch: World Report 2024 - Kazakhstan, 11. Jänner 2024",
        "IISS – International Institute for Strategic Studies: The Military Balance 2023, Februar 2023",
        "Justice for All International: Kazakhstan’s Compliance with the Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment; 76 Session (17 Apr 2023 - 12 May 2023); Kazakhstan’s essential steps to improve the human rights situation and eradicate torture and other ill-treatment., 2023",
        "USDOS – US Department of State: 2022 Country Report on Human Rights Practices: Kazakhstan, 20. März 2023",
        "USDOS – US Department of State: Country Report on Terrorism 2022 - Chapter 1 - Kazakhstan, 30. November 2023",
        "USDOS – US Department of State: 2023 Country Report on Human Rights Practices: Kazakhstan, 23. April 2024",
    ];
    let entries: Vec<String> = entries.iter().map(|e| e.replace('\u{a0}', " ")).collect();
    assert_eq!(entries, expected);
    // The print-only source has no URL line; the others do.
    let iiss = doc.select(&sel("li[id=\"src-iiss-milbal-2023\"] a.url")).count();
    assert_eq!(iiss, 0);
    assert_eq!(doc.select(&sel(".source-list a.url")).count(), 14);
}

#[test]
fn appendix_groups_descriptions_and_excerpts() {
    let (_t, doc) = built();
    let orgs = texts(&doc, ".appendix-org > h3");
    assert_eq!(
        orgs,
        [
            "Bertelsmann Stiftung",
            "Central Asian Bureau for Analytical Reporting",
            "UN Committee Against Torture",
            "Embassy of the Republic of Kazakhstan in the Swiss Confederation, by the Holy See, in the Principality of Liechtenstein and by the Sovereign Order of Malta",
            "Freedom House",
            "US Department of State",
        ]
    );
    let descriptions = texts(&doc, ".appendix-org .description");
    assert_eq!(descriptions.len(), 5, "the embassy has no German description: {descriptions:?}");
    assert!(descriptions[0].starts_with("Die Bertelsmann Stiftung ist"));
    let quotes = texts(&doc, ".excerpt blockquote");
    assert_eq!(
        quotes[0].replace('\u{a0}', " "),
        "„The government keeps control of nearly all of the territory and relies on a strong security apparatus. […] Some areas are partly controlled by criminal groups.“"
    );
    let captions: Vec<String> = texts(&doc, ".excerpt figcaption").iter().map(|c| c.replace('\u{a0}', " ")).collect();
    assert_eq!(
        captions[..3],
        [
            "(Bertelsmann Stiftung, 19. März 2024, S. 6)",
            "(Bertelsmann Stiftung, 19. März 2024, S. 13)",
            "(CABAR, 12. Jänner 2021)"
        ]
    );
    // Two excerpts of one source, in authored order, under one entry.
    let usdos = doc.select(&sel("#annex-usdos-ctr-2022-kaz figure")).count();
    assert_eq!(usdos, 2);
    for b in doc.select(&sel(".excerpt blockquote")) {
        assert_eq!(b.value().attr("lang"), Some("en"));
    }
    // Excerpts do not appear in the body; the appendix has its TOC line and pointer.
    assert!(!text(&doc, ".report-body").contains("Prosecutions of officials"));
    assert!(texts(&doc, ".toc li").iter().any(|t| t.starts_with("Anhang:")));
    assert!(doc.select(&sel(".appendix-pointer")).count() == 1);
}

#[test]
fn source_and_organisation_pages_link_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ok(&dossier().args(["--root", "tests/fixtures/seed", "build", "--out"]).arg(&out).output().unwrap());
    let src = read_page(&out, "sources/bti-2024-kaz/index.html");
    let citing = text(&src, ".citing li");
    assert!(citing.contains("a-12321-4"), "{citing}");
    assert!(citing.replace('\u{a0}', " ").contains("S. 6, S. 30, S. 13"), "{citing}");
    assert_eq!(src.select(&sel(".excerpt")).count(), 2);
    assert_eq!(src.select(&sel("a[href=\"../../organisations/bertelsmann-stiftung/\"]")).count(), 1);
    let org = read_page(&out, "organisations/usdos/index.html");
    assert_eq!(texts(&org, ".doc-list li a").len(), 3);
    // Newest first.
    assert!(texts(&org, ".doc-list li")[0].starts_with("2023 Country Report"));
    assert_eq!(org.select(&sel(".cards .card")).count(), 1);
    let report = read_page(&out, "reports/a-12321-4/index.html");
    assert!(report.select(&sel("a[href=\"../../sources/bti-2024-kaz/\"]")).count() >= 1);
    assert!(report.select(&sel("a[href=\"../../organisations/usdos/\"]")).count() >= 1);
    assert_eq!(broken_links(&out), Vec::<String>::new());
    let _ = Path::new("");
}

#[test]
fn check_reports_the_missing_description_as_a_warning() {
    let o = dossier().args(["--root", "tests/fixtures/seed", "check"]).output().unwrap();
    let e = ok(&o);
    assert!(e.contains("warning[W043]: organisation `kz-embassy-ch` has no `de` description"), "{e}");
    let o = dossier().args(["--root", "tests/fixtures/seed", "check", "--strict"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let o = dossier().args(["--root", "tests/fixtures/seed", "check", "--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["code"], "W043");
    assert_eq!(v[0]["severity"], "warning");
}

#[test]
fn a_citation_right_before_a_footnote_reference_links_and_namesake_organisations_are_listed_once() {
    let s = Site::minimal(&[
        ("content/organisations/hrw-2.yaml", "name: Human Rights Watch\nshort: HRW\ndescription:\n  en: A namesake.\n"),
        (
            "content/sources/hrw-2.yaml",
            "hrw-2-2023:\n  organisation: hrw-2\n  title: Annual Report\n  date: 2023-05-01\n",
        ),
        (
            "content/sources/hrw-more.yaml",
            "hrw-2023:\n  organisation: hrw\n  title: World Report 2023\n  date: 2023-01-12\n",
        ),
        (
            "content/reports/r-1.md",
            "---\nid: r-1\ntitle: Report one\ndate: 2024-02-01\nlanguage: en\naccessed: 2024-02-01\n---\n\nA claim [@hrw-2024, p. 6][^1], a second [@hrw-2-2023] and a third [@hrw-2023].\n\n[^1]: A note.\n",
        ),
    ]);
    ok(&s.build());
    let doc = s.page("reports/r-1/index.html");
    let body = text(&doc, ".report-body");
    assert!(!body.contains("[@"), "a citation stayed text: {body}");
    let cites = texts(&doc, ".report-body .citation");
    assert_eq!(cites.len(), 3, "{cites:?}");
    assert!(cites[0].contains("p.") && cites[0].contains('6'), "{cites:?}");
    // The citation's link comes first, then the footnote's.
    let links: Vec<&str> = doc.select(&sel(".report-body p a")).filter_map(|a| a.value().attr("href")).collect();
    assert_eq!(links[..2], ["#src-hrw-2024", "#fn-1"], "{links:?}");
    // Both organisations named "Human Rights Watch" are named once each among the report's organisations, though
    // one of them is cited before and after the other. (A repeat also broke the search index's organisation filter.)
    let mut orgs: Vec<&str> =
        doc.select(&sel(".meta a[href*=\"organisations/\"]")).filter_map(|a| a.value().attr("href")).collect();
    orgs.sort();
    assert_eq!(orgs, ["../../organisations/hrw-2/", "../../organisations/hrw/"], "{orgs:?}");
}
